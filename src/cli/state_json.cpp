#include "cli/state_json.hpp"

#include <ostream>

namespace berth::cli {

toml::table StateToJson(const manager::ContainerState& state) {
    const bool live = state.status == manager::Status::Running || state.status == manager::Status::Paused;
    toml::table paths;
    for (const auto& [hierarchy, path] : state.placement.paths)
        paths.insert(hierarchy, path);
    toml::table cgroup{{"driver", state.placement.driver}, {"unit", state.placement.unit}};
    cgroup.insert("paths", std::move(paths));
    toml::table json{
        {"id", state.name},
        {"pid", static_cast<int64_t>(live ? state.pid : 0)},
        {"status", manager::StatusName(state.status)},
        // runc calls the directory "bundle"; ours is the rootfs itself: both keys, same value.
        {"bundle", state.rootfs},
        {"rootfs", state.rootfs},
        {"created", state.created},
    };
    json.insert("cgroup", std::move(cgroup));
    if (state.netns_path)
        json.insert("netns", *state.netns_path);
    if (state.exit_code)
        json.insert("exit_code", static_cast<int64_t>(*state.exit_code));
    if (state.oom_kills > 0)
        json.insert("oom_kills", static_cast<int64_t>(state.oom_kills));
    // As systemd's Result=oom-kill: the OOM killer struck before the container stopped.
    if (state.status == manager::Status::Stopped && state.oom_kills > 0)
        json.insert("exit_reason", "oom-kill");
    return json;
}

void PrintJson(std::ostream& out, const toml::node& node) {
    out << toml::json_formatter(node) << "\n";
}

}  // namespace berth::cli
