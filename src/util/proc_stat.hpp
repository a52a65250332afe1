#pragma once
// Facts about a process from /proc/PID/stat, for telling a live process from a reused pid.
#include <sys/types.h>

#include <optional>

namespace berth {

// Field 22 (starttime, clock ticks since boot), or nullopt when the process does not exist.
std::optional<unsigned long long> ProcessStartTime(pid_t pid);
// Field 3 (R, S, D, Z, T, ...), or nullopt when the process does not exist.
std::optional<char> ProcessStateChar(pid_t pid);

}  // namespace berth
