#include "launch/capabilities.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include "config/capability_names.hpp"
#include "util/error.hpp"

namespace berth::launch {
namespace {

struct CapFree {
    void operator()(void* p) const { cap_free(p); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

std::vector<cap_value_t> ResolveSet(const std::vector<std::string>& names) {
    std::vector<cap_value_t> out;
    out.reserve(names.size());
    for (const std::string& name : names) {
        cap_value_t cap = CapabilityFromName(name);
        if (std::find(out.begin(), out.end(), cap) == out.end())
            out.push_back(cap);
    }
    return out;
}

bool Contains(const std::vector<cap_value_t>& set, cap_value_t cap) {
    return std::find(set.begin(), set.end(), cap) != set.end();
}

void SetFlag(cap_t caps, cap_flag_t flag, const std::vector<cap_value_t>& set) {
    if (set.empty())
        return;
    if (cap_set_flag(caps, flag, static_cast<int>(set.size()), set.data(), CAP_SET) < 0)
        ThrowErrno("cap_set_flag");
}

}  // namespace

cap_value_t CapabilityFromName(const std::string& name) {
    std::optional<std::string> canonical = config::CanonicalCapabilityName(name);
    if (!canonical)
        throw Error("unknown capability '" + name + "'");
    return static_cast<cap_value_t>(*config::CapabilityNumber(*canonical));
}

std::string CapabilityName(cap_value_t cap) {
    char* raw = cap_to_name(cap);
    if (!raw)
        return std::to_string(cap);
    std::string name(raw);
    cap_free(raw);
    if (name.rfind("cap_", 0) == 0)
        name = name.substr(4);
    return name;
}

CapabilityPlan ResolveCapabilities(const config::Capabilities& caps) {
    CapabilityPlan plan;
    plan.bounding = ResolveSet(caps.bounding);
    plan.effective = ResolveSet(caps.effective);
    plan.inheritable = ResolveSet(caps.inheritable);
    plan.permitted = ResolveSet(caps.permitted);
    plan.ambient = ResolveSet(caps.ambient);
    return plan;
}

uint64_t CapabilityMask(const std::vector<cap_value_t>& caps) {
    uint64_t mask = 0;
    for (cap_value_t cap : caps)
        if (cap >= 0 && cap < 64)
            mask |= uint64_t{1} << cap;
    return mask;
}

void DropBoundingSet(const CapabilityPlan& plan) {
    int last = static_cast<int>(cap_max_bits());
    for (cap_value_t cap = 0; cap < last; ++cap) {
        if (Contains(plan.bounding, cap))
            continue;
        if (cap_drop_bound(cap) < 0)
            ThrowErrno("drop capability " + CapabilityName(cap) + " from the bounding set");
    }
}

void ApplyCapabilitySets(const CapabilityPlan& plan) {
    CapPtr caps(cap_init());
    if (!caps)
        ThrowErrno("cap_init");
    SetFlag(caps.get(), CAP_EFFECTIVE, plan.effective);
    SetFlag(caps.get(), CAP_PERMITTED, plan.permitted);
    SetFlag(caps.get(), CAP_INHERITABLE, plan.inheritable);
    if (cap_set_proc(caps.get()) < 0)
        ThrowErrno("set capabilities");
    if (cap_reset_ambient() < 0)
        ThrowErrno("reset ambient capabilities");
    // The kernel raises an ambient capability only when it is permitted and inheritable; like runc
    // (which warns), one outside those sets is left out: OCI specs (runc's default, podman's) list
    // ambient capabilities without the inheritable set.
    const uint64_t raisable = CapabilityMask(plan.permitted) & CapabilityMask(plan.inheritable);
    for (cap_value_t cap : plan.ambient)
        if ((raisable & CapabilityMask({cap})) && cap_set_ambient(cap, CAP_SET) < 0)
            ThrowErrno("raise ambient capability " + CapabilityName(cap));
}

}  // namespace berth::launch
