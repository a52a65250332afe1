#pragma once
// Resource limits of the container's process.
#include <vector>

#include "config/model.hpp"

namespace berth::launch {

// Checks the limits against this process' own: raising a hard limit needs CAP_SYS_RESOURCE, and
// when it is missing that is an error now, before anything is spawned.
void CheckRlimits(const std::vector<config::Rlimit>& rlimits);

// setrlimit for each, in the child.
void ApplyRlimits(const std::vector<config::Rlimit>& rlimits);

}  // namespace berth::launch
