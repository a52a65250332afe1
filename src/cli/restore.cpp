// berthctl restore NAME --image-path DIR | --import FILE [--name NEW] [--netns PATH] [--detach]: restore with CRIU.

#include <optional>
#include <string>
#include <vector>

#include "cli/absolute_path.hpp"
#include "cli/arg_cursor.hpp"
#include "cli/backend.hpp"
#include "config/loader.hpp"
#include "manager/checkpointing.hpp"

namespace berth::cli {
namespace {

// Whether the checkpointed container had a terminal; unreadable images are for the restore to report.
bool WantsTerminal(const std::string& image_dir, const std::string& netns_path) {
    try {
        checkpoint::Descriptor descriptor = checkpoint::CheckRestorable(image_dir, netns_path);
        return config::ParseContainerConfigString(descriptor.container, descriptor.config_toml, image_dir)
            .process.terminal;
    } catch (const std::exception&) {
        return true;
    }
}

int RestoreMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    std::optional<std::string> name;
    std::string new_name;
    bool detach = false;
    checkpoint::RestoreOptions options;
    for (ArgCursor cursor(args); !cursor.Done();) {
        if (auto v = cursor.TakeValue("--image-path"))
            options.image_dir = *v;
        else if (auto w = cursor.TakeValue("--work-path"))
            options.work_dir = *w;
        else if (auto i = cursor.TakeValue("--import"))
            options.import_path = *i;
        else if (auto ns = cursor.TakeValue("--netns"))
            options.netns_path = *ns;
        else if (auto n = cursor.TakeValue("--name"))
            new_name = *n;
        else if (cursor.TakeFlag("--detach") || cursor.TakeFlag("-d"))
            detach = true;
        else
            cursor.TakeName(name);
    }
    const bool import = !options.import_path.empty();
    if (!name && !import)
        throw UsageError{"missing container name"};
    if (options.image_dir.empty() == !import)
        throw UsageError{"one of --image-path and --import is required"};
    // An archive names its container: NAME (or --name) renames it.
    options.name = !new_name.empty() ? new_name : name.value_or("");
    if (!options.image_dir.empty())
        options.image_dir = AbsolutePathOf(options.image_dir);
    if (import)
        options.import_path = AbsolutePathOf(options.import_path);
    if (!options.work_dir.empty())
        options.work_dir = AbsolutePathOf(options.work_dir);

    // RestoreContainer takes no work path yet: with one, the restore stays in-process; berthd needs
    // the name of an imported one up front (its object path).
    const bool daemon_capable = options.work_dir.empty() && !options.name.empty();
    if (detach) {
        auto backend = daemon_capable ? MakeBackend(global) : MakeInProcessBackend(global);
        backend->Restore(options);
        return 0;
    }
    // A terminal stays in-process: berthd does not hand the pty back (see berthctl(1)).
    std::unique_ptr<Backend> backend = daemon_capable && !WantsTerminal(options.image_dir, options.netns_path)
                                           ? MakeBackend(global)
                                           : MakeInProcessBackend(global);
    return backend->RestoreAttached(options);
}

}  // namespace

BERTH_VERB("restore",
           "restore NAME --image-path DIR | restore [NAME] --import FILE; [--netns PATH] [--work-path DIR] "
           "[--name NEW] [--detach]",
           "restore a checkpointed container with CRIU", RestoreMain);

}  // namespace berth::cli
