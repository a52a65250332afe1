#include "launch/rlimits.hpp"

#include <sys/capability.h>

#include "config/rlimit_names.hpp"
#include "util/error.hpp"

namespace berth::launch {
namespace {

bool HasSysResource() {
    cap_flag_value_t value = CAP_CLEAR;
    cap_t caps = cap_get_proc();
    if (!caps)
        return false;
    cap_get_flag(caps, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &value);
    cap_free(caps);
    return value == CAP_SET;
}

std::string LimitText(rlim_t value) {
    return value == RLIM_INFINITY ? "unlimited" : std::to_string(value);
}

}  // namespace

std::optional<int> RlimitFromName(const std::string& name) {
    std::optional<std::string> canonical = config::CanonicalRlimitName(name);
    return canonical ? config::RlimitResource(*canonical) : std::nullopt;
}

std::vector<ResolvedRlimit> ResolveRlimits(const std::vector<config::Rlimit>& rlimits) {
    std::vector<ResolvedRlimit> out;
    std::optional<bool> has_sys_resource;
    for (const config::Rlimit& r : rlimits) {
        std::optional<int> resource = RlimitFromName(r.type);
        if (!resource)
            throw Error("unknown rlimit '" + r.type + "'");
        if (r.soft > r.hard)
            throw Error("rlimit " + r.type + ": soft limit " + std::to_string(r.soft) + " is above the hard limit " +
                        std::to_string(r.hard));
        rlimit current;
        if (::getrlimit(*resource, &current) < 0)
            ThrowErrno("getrlimit " + r.type);
        rlimit wanted{static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)};
        if (wanted.rlim_max > current.rlim_max) {
            if (!has_sys_resource)
                has_sys_resource = HasSysResource();
            if (!*has_sys_resource)
                throw Error("rlimit " + r.type + ": hard limit " + LimitText(wanted.rlim_max) +
                            " is above this host's " + LimitText(current.rlim_max) +
                            " and raising it needs CAP_SYS_RESOURCE, which is missing");
        }
        out.push_back({*resource, r.type, wanted});
    }
    return out;
}

void ApplyRlimits(const std::vector<ResolvedRlimit>& rlimits) {
    for (const ResolvedRlimit& r : rlimits)
        if (::setrlimit(r.resource, &r.limit) < 0)
            ThrowErrno("setrlimit " + r.name + " to " + LimitText(r.limit.rlim_cur) + "/" + LimitText(r.limit.rlim_max));
}

}  // namespace berth::launch
