// delete [--force] ID: a stopped (or created) container's cgroup and state go; --force kills a
// running one first. The poststop hooks run after.
#include "runtime/context.hpp"
#include "runtime/hooks.hpp"
#include "runtime/options.hpp"

namespace berth::runtime {
namespace {

int DeleteMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    bool force = false;
    OptionParser options(args);
    while (options.AtOption()) {
        const std::string name = options.Name();
        if (name == "force" || name == "f")
            force = options.TakeFlag();
        else
            options.RejectUnknown();
    }
    manager::ContainerId id(TakeSingleId(options.Rest()));
    manager::Manager manager = MakeManager(global);
    manager::ContainerState state;
    oci::OciExtras extras;
    try {
        state = manager.GetStatus(id);
        extras = LoadExtras(global, id);
        manager.Remove(id, force);
    } catch (const manager::NoSuchContainer&) {
        if (force)
            return 0;  // as runc: --force deletes what exists and is quiet about the rest
        throw;
    }
    state.status = manager::Status::Stopped;
    RunHooksWarning(extras, "poststop", OciState(state, extras).dump());
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("delete", "delete [--force] ID", "delete a container (its cgroup and state)", DeleteMain);

}  // namespace berth::runtime
