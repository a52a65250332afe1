#pragma once
// Timestamps as RFC 3339 text (UTC, nanoseconds), as runc and the OCI state use them.
#include <chrono>
#include <string>

namespace berth {

// "2026-11-23T05:41:41.123456789Z"
std::string FormatRfc3339(std::chrono::system_clock::time_point when);
// Parses what FormatRfc3339 writes (fraction optional, "Z" or "+HH:MM"); throws Error on anything else.
std::chrono::system_clock::time_point ParseRfc3339(const std::string& text);

}  // namespace berth
