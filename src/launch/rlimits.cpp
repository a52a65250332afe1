#include "launch/rlimits.hpp"

#include <sys/capability.h>
#include <sys/resource.h>

#include <optional>
#include <string>

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

std::string Name(const config::Rlimit& r) {
    return std::string(config::RlimitName(r.resource));
}

}  // namespace

void CheckRlimits(const std::vector<config::Rlimit>& rlimits) {
    std::optional<bool> has_sys_resource;
    for (const config::Rlimit& r : rlimits) {
        if (r.soft > r.hard)
            throw Error("rlimit " + Name(r) + ": soft limit " + std::to_string(r.soft) + " is above the hard limit " +
                        std::to_string(r.hard));
        rlimit current;
        if (::getrlimit(r.resource, &current) < 0)
            ThrowErrno("getrlimit " + Name(r));
        if (static_cast<rlim_t>(r.hard) > current.rlim_max) {
            if (!has_sys_resource)
                has_sys_resource = HasSysResource();
            if (!*has_sys_resource)
                throw Error("rlimit " + Name(r) + ": hard limit " + LimitText(static_cast<rlim_t>(r.hard)) +
                            " is above this host's " + LimitText(current.rlim_max) +
                            " and raising it needs CAP_SYS_RESOURCE, which is missing");
        }
    }
}

void ApplyRlimits(const std::vector<config::Rlimit>& rlimits) {
    for (const config::Rlimit& r : rlimits) {
        rlimit limit{static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)};
        if (::setrlimit(r.resource, &limit) < 0)
            ThrowErrno("setrlimit " + Name(r) + " to " + LimitText(limit.rlim_cur) + "/" + LimitText(limit.rlim_max));
    }
}

}  // namespace berth::launch
