#include "config/rlimit_names.hpp"

#include <sys/resource.h>

#include <array>
#include <cctype>

namespace berth::config {
namespace {

struct RlimitName {
    const char* name;
    int resource;
};

constexpr std::array kRlimits = {
    RlimitName{"as", RLIMIT_AS},           RlimitName{"core", RLIMIT_CORE},
    RlimitName{"cpu", RLIMIT_CPU},         RlimitName{"data", RLIMIT_DATA},
    RlimitName{"fsize", RLIMIT_FSIZE},     RlimitName{"locks", RLIMIT_LOCKS},
    RlimitName{"memlock", RLIMIT_MEMLOCK}, RlimitName{"msgqueue", RLIMIT_MSGQUEUE},
    RlimitName{"nice", RLIMIT_NICE},       RlimitName{"nofile", RLIMIT_NOFILE},
    RlimitName{"nproc", RLIMIT_NPROC},     RlimitName{"rss", RLIMIT_RSS},
    RlimitName{"rtprio", RLIMIT_RTPRIO},   RlimitName{"rttime", RLIMIT_RTTIME},
    RlimitName{"sigpending", RLIMIT_SIGPENDING}, RlimitName{"stack", RLIMIT_STACK},
};

}  // namespace

std::optional<int> RlimitResource(const std::string& name) {
    for (const RlimitName& entry : kRlimits)
        if (name == entry.name)
            return entry.resource;
    return std::nullopt;
}

std::optional<std::string> CanonicalRlimitName(std::string_view written) {
    std::string name;
    for (char c : written)
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name.rfind("rlimit_", 0) == 0)
        name.erase(0, 7);
    if (!RlimitResource(name))
        return std::nullopt;
    return name;
}

std::string KnownRlimitNames() {
    std::string out;
    for (const RlimitName& entry : kRlimits)
        out += (out.empty() ? "" : ", ") + std::string(entry.name);
    return out;
}

}  // namespace berth::config
