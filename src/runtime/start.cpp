// start ID: the created container's process runs.
#include "runtime/context.hpp"
#include "runtime/create_container.hpp"
#include "runtime/options.hpp"

namespace berth::runtime {
namespace {

int StartMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    OptionParser options(args);
    if (options.AtOption())
        options.RejectUnknown();
    std::string id = TakeSingleId(options.Rest());
    manager::Manager manager = MakeManager(global);
    StartContainer(global, manager, id);
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("start", "start ID", "start the process of a created container", StartMain);

}  // namespace berth::runtime
