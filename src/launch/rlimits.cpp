#include "launch/rlimits.hpp"

#include <sys/capability.h>

#include <cctype>

#include "util/error.hpp"

namespace berth::launch {
namespace {

struct RlimitName {
    const char* name;
    int resource;
};

constexpr RlimitName kRlimits[] = {
    {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

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
    std::string lower;
    for (char c : name)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("rlimit_", 0) == 0)
        lower = lower.substr(7);
    for (const RlimitName& r : kRlimits)
        if (lower == r.name)
            return r.resource;
    return std::nullopt;
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
