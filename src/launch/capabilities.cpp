#include "launch/capabilities.hpp"

#include <sys/capability.h>

#include <memory>
#include <vector>

#include "config/capability_names.hpp"
#include "util/error.hpp"

namespace berth::launch {
namespace {

struct CapFree {
    void operator()(void* p) const { cap_free(p); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

void SetFlag(cap_t caps, cap_flag_t flag, const config::CapabilitySet& set) {
    if (set.empty())
        return;
    std::vector<cap_value_t> values;
    for (int cap : set.Numbers())
        values.push_back(static_cast<cap_value_t>(cap));
    if (cap_set_flag(caps, flag, static_cast<int>(values.size()), values.data(), CAP_SET) < 0)
        ThrowErrno("cap_set_flag");
}

}  // namespace

void DropBoundingSet(const config::Capabilities& caps) {
    int last = static_cast<int>(cap_max_bits());
    for (cap_value_t cap = 0; cap < last; ++cap) {
        if (caps.bounding.Contains(cap))
            continue;
        if (cap_drop_bound(cap) < 0)
            ThrowErrno("drop capability " + config::CapabilityName(cap) + " from the bounding set");
    }
}

void ApplyCapabilitySets(const config::Capabilities& sets) {
    CapPtr caps(cap_init());
    if (!caps)
        ThrowErrno("cap_init");
    SetFlag(caps.get(), CAP_EFFECTIVE, sets.effective);
    SetFlag(caps.get(), CAP_PERMITTED, sets.permitted);
    SetFlag(caps.get(), CAP_INHERITABLE, sets.inheritable);
    if (cap_set_proc(caps.get()) < 0)
        ThrowErrno("set capabilities");
    if (cap_reset_ambient() < 0)
        ThrowErrno("reset ambient capabilities");
    // The kernel raises an ambient capability only when it is permitted and inheritable; like runc
    // (which warns), one outside those sets is left out: OCI specs (runc's default, podman's) list
    // ambient capabilities without the inheritable set.
    for (int cap : sets.ambient.Numbers())
        if (sets.permitted.Contains(cap) && sets.inheritable.Contains(cap) &&
            cap_set_ambient(static_cast<cap_value_t>(cap), CAP_SET) < 0)
            ThrowErrno("raise ambient capability " + config::CapabilityName(cap));
}

}  // namespace berth::launch
