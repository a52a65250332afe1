#pragma once
// Writing a new user namespace's uid and gid maps from the parent.
#include <sys/types.h>

#include <string>
#include <vector>

#include "config/model.hpp"

namespace berth::launch {

// "CONTAINER HOST SIZE\n" per mapping, as /proc/PID/uid_map wants it (one write).
std::string FormatIdMap(const std::vector<config::IdMapping>& mappings);

// True when `id` inside the namespace is covered by one of the mappings.
bool IsMapped(const std::vector<config::IdMapping>& mappings, uint32_t id);

// Writes /proc/PID/{setgroups,uid_map,gid_map}. setgroups is denied only when the caller is not
// privileged over its own user namespace (the kernel requires it then); a root parent keeps
// setgroups(2) usable so the container's additional gids work. Returns whether it was denied.
bool WriteIdMaps(pid_t pid, const std::vector<config::IdMapping>& uid_mappings,
                 const std::vector<config::IdMapping>& gid_mappings);

}  // namespace berth::launch
