#pragma once
// Signal names as users write them: "TERM", "SIGTERM", "sigterm", "15", "RTMIN+2".
#include <string>

namespace berth {

// Throws Error("unknown signal 'X'") for anything that is not a valid signal.
int ParseSignal(const std::string& text);
// "TERM" for SIGTERM; "RTMIN+N" for real-time signals; the number as text otherwise.
std::string SignalName(int sig);

}  // namespace berth
