// berthctl checkpoint NAME --image-path DIR | --export FILE [...]: dump a running container with CRIU.

#include <optional>
#include <string>
#include <vector>

#include "cli/absolute_path.hpp"
#include "cli/arg_cursor.hpp"
#include "cli/criu_flag_options.hpp"
#include "cli/backend.hpp"
#include "manager/container_id.hpp"

namespace berth::cli {
namespace {

int CheckpointMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    std::optional<std::string> name;
    checkpoint::CheckpointOptions options;
    for (ArgCursor cursor(args); !cursor.Done();) {
        if (auto v = cursor.TakeValue("--image-path"))
            options.image_dir = *v;
        else if (auto w = cursor.TakeValue("--work-path"))
            options.work_dir = *w;
        else if (auto m = cursor.TakeValue("--manage-cgroups-mode"))
            options.manage_cgroups_mode = *m;
        else if (auto s = cursor.TakeValue("--page-server"))
            options.page_server = *s;
        else if (auto e = cursor.TakeValue("--export"))
            options.export_path = *e;
        else if (auto p = cursor.TakeValue("--parent-path"))
            options.parent_dir = *p;
        else if (cursor.TakeFlag("--pre-dump"))
            options.pre_dump = true;
        else if (cursor.TakeFlag("--leave-running"))
            options.leave_running = true;
        else if (TakeCriuFlag(cursor, options.flags))
            continue;
        else
            cursor.TakeName(name);
    }
    if (!name)
        throw UsageError{"missing container name"};
    if (options.image_dir.empty() && options.export_path.empty())
        throw UsageError{"--image-path or --export is required"};
    if (!options.export_path.empty() && (options.pre_dump || !options.parent_dir.empty()))
        throw UsageError{"--export takes a complete dump: not with --pre-dump or --parent-path"};
    if (!options.image_dir.empty())
        options.image_dir = AbsolutePathOf(options.image_dir);
    if (!options.export_path.empty())
        options.export_path = AbsolutePathOf(options.export_path);
    if (!options.work_dir.empty())
        options.work_dir = AbsolutePathOf(options.work_dir);
    if (!options.parent_dir.empty())
        options.parent_dir = AbsolutePathOf(options.parent_dir);
    MakeBackend(global)->Checkpoint(manager::ContainerId(*name).str(), options);
    return 0;
}

}  // namespace

BERTH_VERB("checkpoint",
           "checkpoint NAME (--image-path DIR | --export FILE.tar[.zst]) [--work-path DIR] [--pre-dump] "
           "[--parent-path DIR] [--page-server ADDR:PORT] [--leave-running] [--tcp-established] "
           "[--ext-unix-sk] [--shell-job] [--file-locks] [--manage-cgroups-mode soft|full|strict|ignore]",
           "checkpoint a running container with CRIU", CheckpointMain);

}  // namespace berth::cli
