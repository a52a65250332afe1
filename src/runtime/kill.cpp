// kill [--all] ID [SIGNAL]: a signal (name or number, default SIGTERM) to the init, or with --all
// to every process of the container.
#include <signal.h>

#include "runtime/context.hpp"
#include "runtime/options.hpp"
#include "util/error.hpp"
#include "util/signal_name.hpp"

namespace berth::runtime {
namespace {

int KillMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    bool all = false;
    OptionParser options(args);
    while (options.AtOption()) {
        const std::string name = options.Name();
        if (name == "all" || name == "a")
            all = options.TakeFlag();
        else
            options.RejectUnknown();
    }
    std::vector<std::string> rest = options.Rest();
    if (rest.empty())
        throw UsageError{"container id cannot be empty"};
    if (rest.size() > 2)
        throw UsageError{"unexpected argument '" + rest[2] + "'"};
    manager::ContainerId id(rest[0]);
    int sig = rest.size() == 2 ? ParseSignal(rest[1]) : SIGTERM;
    manager::Manager manager = MakeManager(global);
    if (!all) {
        manager.Signal(id, sig);
        return 0;
    }
    for (pid_t pid : manager.Processes(id))
        if (::kill(pid, sig) < 0 && errno != ESRCH)
            ThrowErrno("send " + SignalName(sig) + " to pid " + std::to_string(pid));
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("kill", "kill [--all] ID [SIGNAL]", "send a signal to the container's init (or all its processes)",
                   KillMain);

}  // namespace berth::runtime
