// berthctl resume NAME: thaw a paused container.
#include "cli/backend.hpp"

namespace berth::cli {
namespace {

int ResumeMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    if (args.size() != 1 || args[0].rfind("-", 0) == 0)
        throw UsageError{args.empty() ? "missing container name" : "expected exactly one container name"};
    MakeBackend(global)->Resume(args[0]);
    return 0;
}

}  // namespace

BERTH_VERB("resume", "resume NAME", "thaw a paused container", ResumeMain);

}  // namespace berth::cli
