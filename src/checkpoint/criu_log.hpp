#pragma once
// Turning a failed CRIU request into one error: the request, CRIU's errno and message, and the
// log file with its last error lines (CRIU writes the details there, not into the response).
#include <string>

#include "checkpoint/criu_client.hpp"

namespace berth::checkpoint {

// The last lines of a CRIU log that report errors ("Error (...)"), or its last lines when none
// do; each indented by two spaces. Empty when the log cannot be read.
std::string CriuLogExcerpt(const std::string& log_path, size_t max_lines = 6);

// Throws Error: "Failed to <what>: CRIU <REQ> failed: <errmsg> (errno N: text); log PATH:\n  lines".
[[noreturn]] void ThrowCriuFailure(const std::string& what, const rpc::criu_resp& resp, const std::string& log_path);

}  // namespace berth::checkpoint
