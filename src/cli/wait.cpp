// berthctl wait NAME: block until the container stops, print its exit code and exit with it
// (as `podman wait`).
#include <iostream>

#include "cli/backend.hpp"

namespace berth::cli {
namespace {

int WaitMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    if (args.size() != 1 || args[0].rfind("-", 0) == 0)
        throw UsageError{args.empty() ? "missing container name" : "expected NAME"};
    int exit_code = MakeBackend(global)->Wait(args[0]);
    std::cout << exit_code << std::endl;
    return exit_code;
}

}  // namespace

BERTH_VERB("wait", "wait NAME", "wait until a container stops; print its exit code and exit with it", WaitMain);

}  // namespace berth::cli
