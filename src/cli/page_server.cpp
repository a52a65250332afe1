// berthctl page-server --image-path DIR [--address ADDR] [--port PORT]: the receiving side of a
// migration. Starts CRIU's page server, which writes the pages a `checkpoint --page-server` sends
// into DIR and exits after that one dump; prints "PORT PID" once it listens.
#include <iostream>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.hpp"
#include "cli/absolute_path.hpp"
#include "cli/arg_cursor.hpp"
#include "cli/verb.hpp"

namespace berth::cli {
namespace {

int PageServerMain(const GlobalOptions&, const std::vector<std::string>& args) {
    checkpoint::PageServerOptions options;
    std::optional<std::string> none;
    for (ArgCursor cursor(args); !cursor.Done();) {
        if (auto v = cursor.TakeValue("--image-path"))
            options.image_dir = *v;
        else if (auto a = cursor.TakeValue("--address"))
            options.address = *a;
        else if (auto p = cursor.TakeValue("--port"))
            options.port = std::stoi(*p);
        else
            cursor.TakeName(none);
    }
    if (none)
        throw UsageError{"unexpected argument " + *none};
    if (options.image_dir.empty())
        throw UsageError{"--image-path is required"};
    options.image_dir = AbsolutePathOf(options.image_dir);
    checkpoint::PageServer server = checkpoint::StartPageServer(options);
    std::cout << server.port << " " << server.pid << std::endl;
    return 0;
}

}  // namespace

BERTH_VERB("page-server", "page-server --image-path DIR [--address ADDR] [--port PORT]",
           "receive a migrating container's pages (CRIU's page server); prints PORT PID", PageServerMain);

}  // namespace berth::cli
