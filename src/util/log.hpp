#pragma once
// Diagnostic lines on stderr: debug lines only when enabled (berthctl --debug, BERTH_DEBUG=1).
#include <string>

namespace berth {

void SetDebugLogging(bool enabled);
bool DebugLoggingEnabled();
// "berth: debug: <message>" on stderr when debug logging is enabled.
void LogDebug(const std::string& message);
// "berth: warning: <message>" on stderr, always.
void LogWarning(const std::string& message);

}  // namespace berth
