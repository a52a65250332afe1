#pragma once
// Turning a failed CRIU request into one error: the request, CRIU's errno and message, and the
// log file with its last error lines (CRIU writes the details there, not into the response).
#include <string>

#include "checkpoint/criu_client.hpp"

namespace berth::checkpoint {

// The last lines of a CRIU log that report errors ("Error (...)"), or its last lines when none
// do; each indented by two spaces. Empty when the log cannot be read.
std::string CriuLogExcerpt(const std::string& log_path, size_t max_lines = 6);

// The last error line of a CRIU log that is not a known by-product (the rlimit and tun errors CRIU
// logs on every run here, its closing "FAILED."), without timestamp and source location; "" if none.
std::string CriuLogCause(const std::string& log_path);

// Throws Error: "Failed to <what>: CRIU <REQ> failed: <cause> (errno N: text); log PATH:\n  lines", the
// cause from CriuLogCause, else CRIU's cr_errmsg. The first line alone says what went wrong.
[[noreturn]] void ThrowCriuFailure(const std::string& what, const rpc::criu_resp& resp, const std::string& log_path);

}  // namespace berth::checkpoint
