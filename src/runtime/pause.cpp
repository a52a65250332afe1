// berth-runtime pause ID: freezes every process of the container (cgroup freezer), as runc's.
#include "runtime/options.hpp"
#include "runtime/context.hpp"
#include "runtime/verb.hpp"

namespace berth::runtime {
namespace {

int PauseMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    OptionParser options(args);
    if (options.AtOption())
        options.RejectUnknown();
    MakeManager(global).Pause(manager::ContainerId(TakeSingleId(options.Rest())));
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("pause", "pause ID", "pause all processes inside the container", PauseMain);

}  // namespace berth::runtime
