// berthctl state NAME: the container's state as JSON (as `runc state`).
#include <iostream>

#include "cli/backend.hpp"
#include "cli/state_json.hpp"

namespace berth::cli {
namespace {

int StateMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    if (args.size() != 1 || args[0].rfind("-", 0) == 0)
        throw UsageError{args.empty() ? "missing container name" : "expected exactly one container name"};
    manager::ContainerState state = MakeBackend(global)->Inspect(manager::ContainerId(args[0]).str());
    PrintJson(std::cout, StateToJson(state));
    return 0;
}

}  // namespace

BERTH_VERB("state", "state NAME", "print a container's state as JSON", StateMain);

}  // namespace berth::cli
