#pragma once
// Resource limits of the container's process.
#include <sys/resource.h>

#include <optional>
#include <string>
#include <vector>

#include "config/model.hpp"

namespace berth::launch {

struct ResolvedRlimit {
    int resource;
    std::string name;
    rlimit limit;
};

// "nofile" / "NOFILE" / "RLIMIT_NOFILE" -> RLIMIT_NOFILE; nullopt for an unknown name.
std::optional<int> RlimitFromName(const std::string& name);

// Resolves the names and checks them against this process' limits: raising a hard limit needs
// CAP_SYS_RESOURCE, and when it is missing that is an error now, before anything is spawned.
std::vector<ResolvedRlimit> ResolveRlimits(const std::vector<config::Rlimit>& rlimits);

// setrlimit for each, in the child.
void ApplyRlimits(const std::vector<ResolvedRlimit>& rlimits);

}  // namespace berth::launch
