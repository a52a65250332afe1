// berth-runtime resume ID: thaws a paused container (cgroup freezer), as runc's.
#include "runtime/options.hpp"
#include "runtime/context.hpp"
#include "runtime/verb.hpp"

namespace berth::runtime {
namespace {

int ResumeMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    OptionParser options(args);
    if (options.AtOption())
        options.RejectUnknown();
    MakeManager(global).Resume(manager::ContainerId(TakeSingleId(options.Rest())));
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("resume", "resume ID", "resume all processes that were previously paused", ResumeMain);

}  // namespace berth::runtime
