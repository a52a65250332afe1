// berthctl kill NAME [SIGNAL]: send a signal (default TERM) to the container's init.
#include <signal.h>

#include "cli/backend.hpp"
#include "util/error.hpp"
#include "util/signal_name.hpp"

namespace berth::cli {
namespace {

int KillMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    if (args.empty() || args.size() > 2 || args[0].rfind("-", 0) == 0)
        throw UsageError{args.empty() ? "missing container name" : "expected NAME [SIGNAL]"};
    int sig = SIGTERM;
    if (args.size() == 2) {
        try {
            sig = ParseSignal(args[1]);
        } catch (const Error& e) {
            throw UsageError{e.what()};
        }
    }
    MakeBackend(global)->Kill(args[0], sig);
    return 0;
}

}  // namespace

BERTH_VERB("kill", "kill NAME [SIGNAL]", "send a signal (TERM, SIGKILL, 9, ...; default TERM) to a container's init",
           KillMain);

}  // namespace berth::cli
