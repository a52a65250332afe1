// state ID: the OCI state JSON.
#include <iostream>

#include "runtime/context.hpp"
#include "runtime/options.hpp"

namespace berth::runtime {
namespace {

int StateMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    OptionParser options(args);
    if (options.AtOption())
        options.RejectUnknown();
    manager::ContainerId id(TakeSingleId(options.Rest()));
    manager::Manager manager = MakeManager(global);
    std::cout << OciState(manager.Get(id), LoadExtras(global, id)).dump(2) << "\n";
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("state", "state ID", "output the state of a container", StateMain);

}  // namespace berth::runtime
