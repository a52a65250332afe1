#pragma once
// Container state as JSON (toml++'s json_formatter): what `state` and `list --json` print.
#include <iosfwd>

#include <toml++/toml.h>

#include "manager/state.hpp"

namespace berth::cli {

// {"id", "pid", "status", "bundle", "rootfs", "created", "cgroup": {"driver", "unit", "paths"},
//  "netns" (if joined), "exit_code" (if known)}. pid is 0 unless the container runs or is paused.
toml::table StateToJson(const manager::ContainerState& state);
void PrintJson(std::ostream& out, const toml::node& node);

}  // namespace berth::cli
