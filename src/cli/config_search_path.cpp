#include "cli/config_search_path.hpp"

#include "cli/rootless_paths.hpp"

namespace berth::cli {

config::SearchPath ContainerSearchPath(const GlobalOptions& global) {
    if (global.config_path.empty())
        return RunningRootless() ? RootlessContainerSearchPath() : config::SearchPath::DefaultContainers();
    return config::SearchPath::Parse(global.config_path);
}

}  // namespace berth::cli
