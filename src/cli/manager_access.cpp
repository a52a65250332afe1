#include "cli/manager_access.hpp"

#include <iostream>

#include "cli/config_search_path.hpp"

namespace berth::cli {

manager::Manager MakeManager(const GlobalOptions& global) {
    return manager::Manager(global.state_dir, global.cgroup_driver, ContainerSearchPath(global));
}

void PrintVerbError(const std::string& verb, const std::string& message) {
    std::cerr << "berthctl " << verb << ": " << message << "\n";
}

}  // namespace berth::cli
