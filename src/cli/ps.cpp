// berthctl ps NAME: every pid in the container's cgroup, one per line (or a JSON array).
#include <iostream>

#include "cli/arg_cursor.hpp"
#include "cli/backend.hpp"
#include "cli/state_json.hpp"

namespace berth::cli {
namespace {

int PsMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    auto [json, name] = TakeJsonAndName(args);
    std::vector<pid_t> pids = MakeBackend(global)->Processes(manager::ContainerId(name).str());
    if (json) {
        toml::array array;
        for (pid_t pid : pids)
            array.push_back(static_cast<int64_t>(pid));
        PrintJson(std::cout, array);
        return 0;
    }
    for (pid_t pid : pids)
        std::cout << pid << "\n";
    return 0;
}

}  // namespace

BERTH_VERB("ps", "ps [--json] NAME", "list the pids in a container's cgroup", PsMain);

}  // namespace berth::cli
