#pragma once
// Where berthctl keeps an unprivileged user's (rootless) containers, as podman and crun do: state in
// the user's runtime dir, TOML files in the user's config dir first, logs in the user's state dir.
#include <string>

#include "config/loader.hpp"

namespace berth::cli {

// berthctl runs as an unprivileged user: its containers are rootless.
bool RunningRootless();

// $XDG_RUNTIME_DIR/berth, else /run/user/UID/berth when that runtime dir is ours, else
// /tmp/berth-run-UID/berth (made 0700; throws Error when it exists and is not this user's alone).
std::string RootlessStateDir();

// $XDG_CONFIG_HOME/berth/containers (default ~/.config), $XDG_RUNTIME_DIR/berth/containers, then
// the system's directories.
config::SearchPath RootlessContainerSearchPath();

// $XDG_STATE_HOME/berth/log (default ~/.local/state), else RootlessStateDir()-log without a home.
std::string RootlessLogDir();

}  // namespace berth::cli
