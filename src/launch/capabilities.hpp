#pragma once
// The container process' five capability sets (libcap).
#include <sys/capability.h>

#include <string>
#include <vector>

#include "config/model.hpp"

namespace berth::launch {

// "net_bind_service", "NET_BIND_SERVICE" or "CAP_NET_BIND_SERVICE" -> CAP_NET_BIND_SERVICE.
// Throws Error for a name libcap does not know.
cap_value_t CapabilityFromName(const std::string& name);
// Lower-case name without "cap_" ("net_bind_service").
std::string CapabilityName(cap_value_t cap);

// The sets resolved to numbers, done in the parent so a bad name fails before anything is spawned.
struct CapabilityPlan {
    std::vector<cap_value_t> bounding, effective, inheritable, permitted, ambient;
};
CapabilityPlan ResolveCapabilities(const config::Capabilities& caps);

// A 64-bit mask of a set, as /proc/PID/status prints CapEff etc.
uint64_t CapabilityMask(const std::vector<cap_value_t>& caps);

// Drops every capability not in the bounding set (needs CAP_SETPCAP: call before switching user).
void DropBoundingSet(const CapabilityPlan& plan);
// Sets effective, permitted, inheritable, then raises the ambient ones (call after switching user).
void ApplyCapabilitySets(const CapabilityPlan& plan);

}  // namespace berth::launch
