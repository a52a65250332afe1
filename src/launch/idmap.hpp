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

// Whether setgroups(2) will be denied in a new user namespace with these gid mappings: only for an
// unprivileged caller mapping its own gid alone (the kernel requires it then; newgidmap, which maps
// subordinate ranges, leaves it allowed).
bool SetgroupsDenied(const std::vector<config::IdMapping>& gid_mappings);

// Writes /proc/PID/{setgroups,uid_map,gid_map}. A root parent writes them itself, keeping
// setgroups(2) usable so the container's additional gids work; an unprivileged (rootless) one
// writes a map of its own id alone itself and has newuidmap/newgidmap (setuid, shadow's uidmap
// package) write any other, checked against /etc/subuid and /etc/subgid. Returns whether setgroups
// was denied (see SetgroupsDenied).
bool WriteIdMaps(pid_t pid, const std::vector<config::IdMapping>& uid_mappings,
                 const std::vector<config::IdMapping>& gid_mappings);

}  // namespace berth::launch
