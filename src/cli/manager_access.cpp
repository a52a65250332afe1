#include "cli/manager_access.hpp"

#include <iostream>


namespace berth::cli {

manager::Manager MakeManager(const GlobalOptions& global) {
    config::SearchPath path = global.config_path.empty() ? config::SearchPath::DefaultContainers()
                                                         : config::SearchPath::Parse(global.config_path);
    return manager::Manager(global.state_dir, global.cgroup_driver, std::move(path));
}

void PrintVerbError(const std::string& verb, const std::string& message) {
    std::cerr << "berthctl " << verb << ": " << message << "\n";
}

}  // namespace berth::cli
