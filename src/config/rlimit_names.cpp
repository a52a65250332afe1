#include "config/rlimit_names.hpp"

#include <sys/resource.h>

#include <array>
#include <cctype>

namespace berth::config {
namespace {

struct RlimitEntry {
    const char* name;
    int resource;
};

constexpr std::array kRlimits = {
    RlimitEntry{"as", RLIMIT_AS},           RlimitEntry{"core", RLIMIT_CORE},
    RlimitEntry{"cpu", RLIMIT_CPU},         RlimitEntry{"data", RLIMIT_DATA},
    RlimitEntry{"fsize", RLIMIT_FSIZE},     RlimitEntry{"locks", RLIMIT_LOCKS},
    RlimitEntry{"memlock", RLIMIT_MEMLOCK}, RlimitEntry{"msgqueue", RLIMIT_MSGQUEUE},
    RlimitEntry{"nice", RLIMIT_NICE},       RlimitEntry{"nofile", RLIMIT_NOFILE},
    RlimitEntry{"nproc", RLIMIT_NPROC},     RlimitEntry{"rss", RLIMIT_RSS},
    RlimitEntry{"rtprio", RLIMIT_RTPRIO},   RlimitEntry{"rttime", RLIMIT_RTTIME},
    RlimitEntry{"sigpending", RLIMIT_SIGPENDING}, RlimitEntry{"stack", RLIMIT_STACK},
};

}  // namespace

std::optional<int> RlimitResource(const std::string& name) {
    for (const RlimitEntry& entry : kRlimits)
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

std::string_view RlimitName(int resource) {
    for (const RlimitEntry& entry : kRlimits)
        if (resource == entry.resource)
            return entry.name;
    return "";
}

std::string KnownRlimitNames() {
    std::string out;
    for (const RlimitEntry& entry : kRlimits)
        out += (out.empty() ? "" : ", ") + std::string(entry.name);
    return out;
}

}  // namespace berth::config
