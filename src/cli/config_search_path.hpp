#pragma once
// Where berthctl looks for container configurations: --config-path / BERTH_CONFIG_PATH when
// given, else the default /etc, /run, /usr/lib directories.
#include "cli/verb.hpp"
#include "config/loader.hpp"

namespace berth::cli {

config::SearchPath ContainerSearchPath(const GlobalOptions& global);

}  // namespace berth::cli
