#pragma once
// A container's own time namespace (namespaces.time): CLOCK_BOOTTIME and CLOCK_MONOTONIC offset
// from the host's.
#include "config/model.hpp"

namespace berth::launch {

// In the container's init, before its execve: creates the time namespace for its children and
// writes the offsets (possible only before any process is in it); execve then moves the init in
// (Linux 6.0+ switches to the children's time namespace on exec, as the mm is new).
void CreateTimeNamespace(const config::TimeNamespace& time);

}  // namespace berth::launch
