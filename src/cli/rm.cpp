// berthctl rm [--force] NAME...: remove containers (cgroup and state); --force kills running ones.
#include "cli/arg_cursor.hpp"
#include "cli/backend.hpp"
#include "cli/manager_access.hpp"

namespace berth::cli {
namespace {

int RmMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    bool force = false;
    std::vector<std::string> names;
    ArgCursor cursor(args);
    while (!cursor.Done()) {
        if (cursor.TakeFlag("--force") || cursor.TakeFlag("-f"))
            force = true;
        else if (cursor.AtOption())
            cursor.RejectUnknown();
        else
            names.push_back(cursor.TakePositional());
    }
    if (names.empty())
        throw UsageError{"missing container name"};
    std::unique_ptr<Backend> backend = MakeBackend(global);
    int exit_code = 0;
    for (const std::string& name : names) {
        try {
            backend->Remove(name, force);
        } catch (const Error& e) {
            PrintVerbError("rm", e.what());
            exit_code = 1;
        }
    }
    return exit_code;
}

}  // namespace

BERTH_VERB("rm", "rm [--force] NAME...", "remove containers (a running one only with --force, which kills it)",
           RmMain);

}  // namespace berth::cli
