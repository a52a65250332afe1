#include "config/container_keys.hpp"

#include <cctype>

namespace berth::config {
namespace {

bool IsValidHostname(const std::string& name) {
    if (name.size() > 64)
        return false;
    size_t start = 0;
    while (start <= name.size()) {
        size_t end = name.find('.', start);
        if (end == std::string::npos)
            end = name.size();
        std::string_view label(name.data() + start, end - start);
        if (label.empty() || label.front() == '-' || label.back() == '-')
            return false;
        for (char c : label)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
                return false;
        start = end + 1;
    }
    return true;
}

Key<ContainerConfig> HostnameKey() {
    return {"hostname",
            [](const toml::node& value, const std::string& path, ContainerConfig& config, Problems& problems) {
                std::optional<std::string> name = ReadString(value, path, problems);
                if (!name)
                    return;
                if (!name->empty() && !IsValidHostname(*name)) {
                    problems.Add(value, path,
                                 "expected a host name of at most 64 letters, digits, '-' and '.', got \"" + *name + "\"");
                    return;
                }
                config.hostname = *name;
            },
            [](const ContainerConfig& config) { return Quote(config.hostname); }};
}

}  // namespace

const KeyTable<ContainerConfig>& TopLevelKeys() {
    static const KeyTable<ContainerConfig> keys = {
        HostnameKey(),
        DurationKey("stop_timeout", &ContainerConfig::stop_timeout),
        ChoiceKey("notify", &ContainerConfig::notify, {"started", "container"}),
        ChoiceKey("cgroup_mount", &ContainerConfig::cgroup_mount, {"none", "ro", "rw"}),
        AbsolutePathsKey("masked_paths", &ContainerConfig::masked_paths),
        AbsolutePathsKey("readonly_paths", &ContainerConfig::readonly_paths),
    };
    return keys;
}

const KeyTable<CheckpointDefaults>& CheckpointKeys() {
    static const KeyTable<CheckpointDefaults> keys = {
        BoolKey("tcp_established", &CheckpointDefaults::tcp_established),
        BoolKey("ext_unix_sk", &CheckpointDefaults::ext_unix_sk),
        BoolKey("shell_job", &CheckpointDefaults::shell_job),
        BoolKey("file_locks", &CheckpointDefaults::file_locks),
        ChoiceKey("manage_cgroups_mode", &CheckpointDefaults::manage_cgroups_mode, {"soft", "full", "strict", "ignore"}),
        DurationKey("criu_timeout", &CheckpointDefaults::criu_timeout, "expected a duration above 0, such as \"10min\""),
    };
    return keys;
}

}  // namespace berth::config
