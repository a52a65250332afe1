// create --bundle DIR [--pid-file FILE] [--console-socket SOCK] [--no-pivot] [--no-new-keyring]
//        [--preserve-fds N] ID: the container set up, its init waiting for `start`.
#include "runtime/context.hpp"
#include "runtime/create_container.hpp"
#include "runtime/options.hpp"

namespace berth::runtime {
namespace {

int CreateMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    CreateRequest request;
    OptionParser options(args);
    while (options.AtOption())
        if (!TakeCreateOption(options, request))
            options.RejectUnknown();
    request.id = TakeSingleId(options.Rest());
    manager::Manager manager = MakeManager(global);
    CreateContainer(global, manager, request);
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("create",
                   "create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--no-pivot] [--no-new-keyring] "
                   "[--preserve-fds N] ID",
                   "create a container (its process waits for start)", CreateMain);

}  // namespace berth::runtime
