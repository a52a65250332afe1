// CreateContainer overrides and UpdateContainer resources (a{sv}) onto the configuration model.
#include <chrono>

#include "bus/manager_engine.hpp"
#include "bus/resource_options.hpp"

namespace berth::bus {

namespace {

[[noreturn]] void BadOption(const std::string& key, const std::string& why) {
    throw ApiError(ApiErrorKind::InvalidConfig, "option " + key + ": " + why);
}

uint64_t Unsigned(const std::string& key, const OptionValue& value) {
    if (auto* u = std::get_if<uint64_t>(&value))
        return *u;
    if (auto* i = std::get_if<int64_t>(&value); i && *i >= 0)
        return static_cast<uint64_t>(*i);
    BadOption(key, "expected an unsigned integer (t or u)");
}

std::string String(const std::string& key, const OptionValue& value) {
    if (auto* s = std::get_if<std::string>(&value))
        return *s;
    BadOption(key, "expected a string (s)");
}

std::vector<std::string> Strings(const std::string& key, const OptionValue& value) {
    if (auto* v = std::get_if<std::vector<std::string>>(&value))
        return *v;
    BadOption(key, "expected a string array (as)");
}

// Returns false when key is not a resource key.
bool ApplyResource(const std::string& key, const OptionValue& value, config::Resources& r) {
    for (const ResourceOption& option : ResourceOptions()) {
        if (key != option.name)
            continue;
        if (option.type == 's')
            option.set(r, String(key, value));
        else
            option.set(r, Unsigned(key, value));
        return true;
    }
    return false;
}

// "MemoryMax, MemoryHigh, ..., AllowedCPUs"
std::string ResourceOptionNames() {
    std::string names;
    for (const ResourceOption& option : ResourceOptions())
        names += (names.empty() ? "" : ", ") + std::string(option.name);
    return names;
}

}  // namespace

void ApplyResourceOptions(const Options& options, config::Resources& resources, bool only_resources) {
    for (const auto& [key, value] : options)
        if (!ApplyResource(key, value, resources) && only_resources)
            BadOption(key, "unknown resource (" + ResourceOptionNames() + ")");
}

void ApplyCreateOverrides(const Options& options, config::ContainerConfig& config) {
    for (const auto& [key, value] : options) {
        if (ApplyResource(key, value, config.resources))
            continue;
        if (key == "Rootfs")
            config.rootfs = String(key, value);
        else if (key == "Hostname")
            config.hostname = String(key, value);
        else if (key == "Args")
            config.process.args = Strings(key, value);
        else if (key == "Env")
            config.process.env = Strings(key, value);
        else if (key == "Cwd")
            config.process.cwd = String(key, value);
        else if (key == "StopTimeoutUSec")
            config.stop_timeout = std::chrono::microseconds(Unsigned(key, value));
        else if (key == "NetworkNamespace") {
            std::string path = String(key, value);
            bool replaced = false;
            for (auto& ns : config.namespaces)
                if (ns.kind == config::NamespaceKind::Net) {
                    ns.path = path;
                    replaced = true;
                }
            if (!replaced)
                config.namespaces.push_back({config::NamespaceKind::Net, path});
        } else
            BadOption(key, "unknown override (Rootfs, Hostname, Args, Env, Cwd, StopTimeoutUSec, NetworkNamespace, "
                           "or a resource)");
    }
}

}  // namespace berth::bus
