// berth-runtime checkpoint [--image-path DIR] [--work-path DIR] [--leave-running] [--tcp-established]
// [--ext-unix-sk] [--shell-job] [--file-locks] [--pre-dump] [--parent-path DIR]
// [--page-server ADDRESS:PORT] [--manage-cgroups-mode MODE] ID: runc's checkpoint over Berth's checkpoint module (CRIU swrk): a
// netns the container joined by path is recorded as external, so restore puts it back there.
#include <filesystem>
#include <iostream>

#include "cli/absolute_path.hpp"
#include "manager/checkpointing.hpp"
#include "runtime/options.hpp"
#include "runtime/verb.hpp"
#include "util/error.hpp"

namespace berth::runtime {
namespace {

constexpr const char* kUsage =
    "checkpoint [--image-path DIR] [--work-path DIR] [--leave-running] [--tcp-established] [--ext-unix-sk] "
    "[--shell-job] [--file-locks] [--pre-dump] [--parent-path DIR] [--page-server ADDRESS:PORT] "
    "[--manage-cgroups-mode soft|full|strict|ignore] ID";

// runc's flags Berth has no equivalent for.
[[noreturn]] void Refuse(const std::string& flag) {
    throw Error("checkpoint --" + flag + ": not supported by Berth (no lazy pages or status fd; --page-server is)");
}

int CheckpointMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    checkpoint::CheckpointOptions options;
    if (!global.criu_path.empty())
        options.criu_path = global.criu_path;
    std::string image_path = "checkpoint";  // runc's default: ./checkpoint
    std::string parent_path;                // runc's: relative to --image-path
    OptionParser parser(args);
    while (parser.AtOption()) {
        const std::string name = parser.Name();
        if (name == "h" || name == "help") {
            std::cout << "Usage: berth-runtime " << kUsage << "\n";
            return 0;
        }
        if (name == "image-path")
            image_path = parser.TakeValue();
        else if (name == "work-path")
            options.work_dir = cli::AbsolutePathOf(parser.TakeValue());
        else if (name == "parent-path")
            parent_path = parser.TakeValue();
        else if (name == "leave-running")
            options.leave_running = parser.TakeFlag();
        else if (name == "tcp-established")
            options.flags.tcp_established = parser.TakeFlag();
        else if (name == "ext-unix-sk")
            options.flags.ext_unix_sk = parser.TakeFlag();
        else if (name == "shell-job")
            options.flags.shell_job = parser.TakeFlag();
        else if (name == "file-locks")
            options.flags.file_locks = parser.TakeFlag();
        else if (name == "pre-dump")
            options.pre_dump = parser.TakeFlag();
        else if (name == "manage-cgroups-mode")
            options.manage_cgroups_mode = parser.TakeValue();
        else if (name == "page-server")
            options.page_server = parser.TakeValue();
        else if (name == "empty-ns" || name == "auto-dedup" || name == "lazy-pages" || name == "status-fd")
            Refuse(name);
        else
            parser.RejectUnknown();
    }
    const std::string& mode = options.manage_cgroups_mode;
    if (!mode.empty() && mode != "soft" && mode != "full" && mode != "strict" && mode != "ignore")
        throw UsageError{"invalid --manage-cgroups-mode '" + mode + "' (soft, full, strict or ignore)"};
    if (!parent_path.empty() && parent_path[0] == '/')
        throw UsageError{"--parent-path must be relative to --image-path (as CRIU links it), not " + parent_path};
    options.image_dir = cli::AbsolutePathOf(image_path);
    if (!parent_path.empty())
        options.parent_dir = std::filesystem::weakly_canonical(options.image_dir + "/" + parent_path).string();
    manager::ContainerId id(TakeSingleId(parser.Rest()));
    checkpoint::CheckpointResult result = manager::CheckpointContainer(global.root, id, options);
    for (const std::string& warning : result.warnings)
        std::cerr << "berth-runtime: warning: " << warning << "\n";
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("checkpoint", kUsage, "checkpoint a running container (CRIU)", CheckpointMain);

}  // namespace berth::runtime
