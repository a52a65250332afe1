#include "manager/state.hpp"

#include <sstream>
#include <toml++/toml.h>

#include "config/toml_document.hpp"
#include "manager/errors.hpp"
#include "util/toml_integer.hpp"

namespace berth::manager {
namespace {

constexpr int64_t kStateFormatVersion = 1;

constexpr std::pair<Status, const char*> kStatusNames[] = {
    {Status::Creating, "creating"}, {Status::Created, "created"}, {Status::Running, "running"},
    {Status::Paused, "paused"},
    {Status::Stopped, "stopped"}, {Status::Checkpointed, "checkpointed"},
};

[[noreturn]] void Corrupt(const std::string& origin, const std::string& why) {
    throw CorruptState("Corrupt container state " + origin + ": " + why);
}

std::string RequireString(const toml::table& t, const char* key, const std::string& origin) {
    auto value = t[key].value<std::string>();
    if (!value)
        Corrupt(origin, std::string("'") + key + "' missing or not a string");
    return *value;
}

int64_t RequireInteger(const toml::table& t, const char* key, const std::string& origin) {
    auto value = TomlInteger(t[key]);
    if (!value || *value < 0)
        Corrupt(origin, std::string("'") + key + "' missing or not a non-negative integer");
    return *value;
}

}  // namespace

const char* StatusName(Status status) {
    for (const auto& [s, name] : kStatusNames)
        if (s == status)
            return name;
    return "unknown";
}

std::optional<Status> StatusFromName(const std::string& name) {
    for (const auto& [s, n] : kStatusNames)
        if (name == n)
            return s;
    return std::nullopt;
}

std::string FormatStateToml(const ContainerState& state) {
    toml::table cgroup_paths;
    for (const auto& [hierarchy, path] : state.placement.paths)
        cgroup_paths.insert(hierarchy, path);
    toml::table cgroup{{"driver", state.placement.driver}, {"unit", state.placement.unit}};
    cgroup.insert("paths", std::move(cgroup_paths));
    toml::table root{
        {"version", kStateFormatVersion},
        {"name", state.name},
        {"status", StatusName(state.status)},
        {"pid", static_cast<int64_t>(state.pid)},
        // Stored as an integer: clock ticks since boot fit easily in int64.
        {"pid_start_time", static_cast<int64_t>(state.pid_start_time)},
        {"rootfs", state.rootfs},
        {"created", state.created},
    };
    if (state.netns_path)
        root.insert("netns", *state.netns_path);
    if (state.exit_code)
        root.insert("exit_code", static_cast<int64_t>(*state.exit_code));
    if (state.oom_kills > 0)
        root.insert("oom_kills", static_cast<int64_t>(state.oom_kills));
    root.insert("cgroup", std::move(cgroup));
    std::ostringstream out;
    out << "# Berth container state (written atomically by berthctl/berthd; do not edit).\n"
        << toml::toml_formatter(root, toml::toml_formatter::default_flags & ~toml::format_flags::indentation)
        << "\n";
    return out.str();
}

ContainerState ParseStateToml(const std::string& text, const std::string& origin) {
    toml::table root;
    try {
        root = config::ParseBoundedToml(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream why;
        why << e.description() << " at line " << e.source().begin.line << ", column " << e.source().begin.column;
        Corrupt(origin, why.str());
    }
    if (RequireInteger(root, "version", origin) != kStateFormatVersion)
        Corrupt(origin, "unsupported state format version");
    ContainerState state;
    state.name = RequireString(root, "name", origin);
    std::string status = RequireString(root, "status", origin);
    auto parsed = StatusFromName(status);
    if (!parsed)
        Corrupt(origin, "unknown status '" + status + "'");
    state.status = *parsed;
    state.pid = static_cast<pid_t>(RequireInteger(root, "pid", origin));
    state.pid_start_time = static_cast<unsigned long long>(RequireInteger(root, "pid_start_time", origin));
    state.rootfs = RequireString(root, "rootfs", origin);
    state.created = RequireString(root, "created", origin);
    if (auto netns = root["netns"].value<std::string>())
        state.netns_path = *netns;
    if (auto code = TomlInteger(root["exit_code"]))
        state.exit_code = static_cast<int>(*code);
    if (auto kills = TomlInteger(root["oom_kills"]); kills && *kills > 0)
        state.oom_kills = static_cast<uint64_t>(*kills);
    const toml::table* cgroup = root["cgroup"].as_table();
    if (!cgroup)
        Corrupt(origin, "[cgroup] table missing");
    state.placement.driver = RequireString(*cgroup, "driver", origin);
    state.placement.unit = RequireString(*cgroup, "unit", origin);
    if (const toml::table* paths = (*cgroup)["paths"].as_table()) {
        for (const auto& [hierarchy, path] : *paths) {
            auto value = path.value<std::string>();
            if (!value)
                Corrupt(origin, "cgroup.paths." + std::string(hierarchy.str()) + " is not a string");
            state.placement.paths.emplace(std::string(hierarchy.str()), *value);
        }
    }
    return state;
}

}  // namespace berth::manager
