// berthctl exec NAME -- CMD [ARGS...]: run a process in a running container, in the foreground.
#include <unistd.h>

#include "cli/arg_cursor.hpp"
#include "cli/backend.hpp"
#include "cli/manager_access.hpp"
#include "manager/raw_terminal.hpp"
#include "util/error.hpp"

namespace berth::cli {
namespace {

int ExecMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    launch::ExecRequest request;
    std::optional<std::string> name;
    ArgCursor cursor(args);
    while (!cursor.Done()) {
        if (cursor.TakeDashDash()) {
            request.args = cursor.TakeRest();
            break;
        }
        if (cursor.TakeFlag("--tty") || cursor.TakeFlag("-t")) {
            request.terminal = true;
        } else if (auto v = cursor.TakeValue("--env")) {
            if (v->find('=') == std::string::npos || v->front() == '=')
                throw UsageError{"--env takes KEY=VALUE, not '" + *v + "'"};
            request.env.push_back(*v);
        } else if (auto v = cursor.TakeValue("--cwd")) {
            if (v->empty() || v->front() != '/')
                throw UsageError{"--cwd takes an absolute path inside the container"};
            request.cwd = *v;
        } else if (cursor.AtOption()) {
            cursor.RejectUnknown();
        } else if (!name) {
            name = cursor.TakePositional();
        } else {
            // `exec NAME CMD ARGS` without "--": the command starts here.
            request.args = cursor.TakeRest();
        }
    }
    if (!name)
        throw UsageError{"missing container name"};
    if (request.args.empty())
        throw UsageError{"missing command"};
    manager::ContainerId id(*name);
    if (request.terminal)
        request.window = manager::WindowSizeOf(STDIN_FILENO);
    // With a terminal berthd hands the pty master back over the bus; we relay it.
    std::unique_ptr<Backend> backend = MakeBackend(global);
    try {
        return backend->Exec(id.str(), request);
    } catch (const Error& e) {
        PrintVerbError("exec", e.what());
        return kStartFailedExitCode;
    }
}

}  // namespace

BERTH_VERB("exec", "exec [--tty] [--env K=V]... [--cwd DIR] NAME -- CMD [ARGS...]",
           "run a process in a running container (foreground, exit code passed on)", ExecMain);

}  // namespace berth::cli
