// berthctl show-config NAME: the merged, validated configuration of a container, as TOML.
#include <iostream>

#include "cli/config_search_path.hpp"
#include "cli/verb.hpp"
#include "config/loader.hpp"

namespace berth::cli {
namespace {

int ShowConfigMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    if (args.size() != 1)
        throw UsageError{"expected exactly one container name"};
    config::ContainerConfig config = config::LoadContainerConfig(args[0], ContainerSearchPath(global));
    std::cout << config::FormatContainerConfig(config);
    return 0;
}

}  // namespace

BERTH_VERB("show-config", "show-config NAME", "Show the merged, validated configuration of a container",
           ShowConfigMain);

}  // namespace berth::cli
