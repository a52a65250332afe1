#include "cli/manager_access.hpp"

#include <iostream>

#include "cli/config_search_path.hpp"
#include "cli/rootless_paths.hpp"
#include "config/loader.hpp"
#include "util/log.hpp"

namespace berth::cli {

manager::Manager MakeManager(const GlobalOptions& global) {
    return manager::Manager(global.state_dir, global.cgroup_driver, ContainerSearchPath(global));
}

std::string ContainerLogDir(const GlobalOptions& global) {
    if (!global.log_dir.empty())
        return global.log_dir;
    if (RunningRootless())
        return RootlessLogDir();
    try {
        return config::LoadDaemonConfig(config::SearchPath::DefaultDaemon()).log_dir;
    } catch (const std::exception& e) {
        LogWarning(std::string("Ignoring berthd.toml: ") + e.what());
        return config::DaemonConfig{}.log_dir;
    }
}

void PrintVerbError(const std::string& verb, const std::string& message) {
    std::cerr << "berthctl " << verb << ": " << message << "\n";
}

}  // namespace berth::cli
