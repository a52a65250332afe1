// run [--bundle DIR] [--detach] [--pid-file FILE] [--console-socket SOCK] ID: create + start; without
// --detach it stays until the container exits, deletes it and exits with its exit code.
#include "runtime/context.hpp"
#include "runtime/create_container.hpp"
#include "runtime/hooks.hpp"
#include "runtime/options.hpp"
#include "runtime/runtime_log.hpp"

namespace berth::runtime {
namespace {

int RunMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    CreateRequest request;
    bool detach = false;
    OptionParser options(args);
    while (options.AtOption()) {
        const std::string name = options.Name();
        if (name == "detach" || name == "d")
            detach = options.TakeFlag();
        else if (name == "keep")
            options.TakeFlag();
        else if (!TakeCreateOption(options, request))
            options.RejectUnknown();
    }
    request.id = TakeSingleId(options.Rest());
    request.foreground = !detach;
    manager::Manager manager = MakeManager(global);
    manager::Container container = CreateContainer(global, manager, request);
    manager::ContainerId id(request.id);
    try {
        StartContainer(global, manager, request.id);
    } catch (...) {
        // As runc: a run whose start failed (a startContainer hook) leaves no container behind.
        try {
            manager.Remove(id, true);
        } catch (const std::exception& e) {
            WriteRuntimeLog("warning", std::string("Failed to delete the container whose start failed: ") + e.what());
        }
        throw;
    }
    if (detach)
        return 0;
    oci::OciExtras extras = LoadExtras(global, id);
    manager::ContainerState state = container.State();
    int exit_code = manager.StayInForeground(container);
    state.status = manager::Status::Stopped;
    RunHooksWarning(extras, "poststop", OciState(state, extras).dump());
    return exit_code;
}

}  // namespace

BERTH_RUNTIME_VERB("run", "run [--bundle DIR] [--detach] [--pid-file FILE] [--console-socket SOCK] [--preserve-fds N] ID",
                   "create and start a container (and wait for it without --detach)", RunMain);

}  // namespace berth::runtime
