// berthctl pause NAME: freeze every process of the container (cgroup freezer).
#include "cli/backend.hpp"

namespace berth::cli {
namespace {

int PauseMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    if (args.size() != 1 || args[0].rfind("-", 0) == 0)
        throw UsageError{args.empty() ? "missing container name" : "expected exactly one container name"};
    MakeBackend(global)->Pause(args[0]);
    return 0;
}

}  // namespace

BERTH_VERB("pause", "pause NAME", "freeze all processes of a running container", PauseMain);

}  // namespace berth::cli
