#include "util/log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace berth {
namespace {

bool DebugFromEnvironment() {
    const char* value = std::getenv("BERTH_DEBUG");
    return value != nullptr && *value != '\0' && std::strcmp(value, "0") != 0;
}

std::atomic<bool>& DebugFlag() {
    static std::atomic<bool> flag{DebugFromEnvironment()};
    return flag;
}

void Emit(const char* level, const std::string& message) {
    // One fprintf per line so concurrent writers do not interleave within a line.
    std::fprintf(stderr, "berth: %s: %s\n", level, message.c_str());
}

}  // namespace

void SetDebugLogging(bool enabled) { DebugFlag().store(enabled); }

bool DebugLoggingEnabled() { return DebugFlag().load(); }

void LogDebug(const std::string& message) {
    if (DebugLoggingEnabled())
        Emit("debug", message);
}

void LogWarning(const std::string& message) { Emit("warning", message); }

}  // namespace berth
