// berth-runtime restore [--bundle DIR] [--image-path DIR] [--work-path DIR] [--detach]
// [--pid-file FILE] [--console-socket SOCK] [--tcp-established] [--ext-unix-sk] [--shell-job]
// [--file-locks] [--manage-cgroups-mode MODE] ID: runc's restore over Berth's checkpoint module.
// The container is the bundle's config.json (its rootfs and bind mounts, as for a container made
// from an exported checkpoint) with the checkpointed processes; a netns joined by path comes back
// as that same netns, and a restore whose netns is gone fails before anything is made.
#include <iostream>

#include "cli/absolute_path.hpp"
#include "manager/checkpointing.hpp"
#include "oci/spec.hpp"
#include "runtime/context.hpp"
#include "runtime/options.hpp"
#include "runtime/process_handoff.hpp"
#include "runtime/verb.hpp"
#include "util/error.hpp"

namespace berth::runtime {
namespace {

constexpr const char* kUsage =
    "restore [--bundle DIR] [--image-path DIR] [--work-path DIR] [--detach] [--pid-file FILE] "
    "[--console-socket SOCK] [--tcp-established] [--ext-unix-sk] [--shell-job] [--file-locks] "
    "[--manage-cgroups-mode soft|full|strict|ignore] ID";

struct RestoreFlags {
    std::string bundle = ".";
    std::string image_path = "checkpoint";
    std::string work_path;
    bool detach = false;
    std::string pid_file;
    std::string console_socket;
    bool help = false;
    std::vector<std::string> rest;
};

RestoreFlags ParseRestoreFlags(const std::vector<std::string>& args) {
    RestoreFlags flags;
    OptionParser parser(args);
    while (parser.AtOption()) {
        const std::string name = parser.Name();
        if (name == "h" || name == "help") {
            flags.help = true;
            return flags;
        }
        if (name == "b" || name == "bundle")
            flags.bundle = parser.TakeValue();
        else if (name == "image-path")
            flags.image_path = parser.TakeValue();
        else if (name == "work-path")
            flags.work_path = parser.TakeValue();
        else if (name == "d" || name == "detach")
            flags.detach = parser.TakeFlag();
        else if (name == "pid-file")
            flags.pid_file = parser.TakeValue();
        else if (name == "console-socket")
            flags.console_socket = parser.TakeValue();
        else if (name == "tcp-established" || name == "ext-unix-sk" || name == "shell-job" || name == "file-locks" ||
                 name == "no-subreaper" || name == "no-pivot")
            parser.TakeFlag();  // CRIU's flags at restore are the checkpoint's (recorded in its descriptor)
        else if (name == "manage-cgroups-mode")
            parser.TakeValue();  // Berth makes the restored container's cgroup itself, whatever the mode
        else if (name == "empty-ns" || name == "auto-dedup" || name == "lazy-pages" || name == "lsm-profile" ||
                 name == "lsm-mount-context")
            throw Error("restore --" + name + ": not supported by Berth");
        else
            parser.RejectUnknown();
    }
    flags.rest = parser.Rest();
    return flags;
}

int RestoreMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    RestoreFlags flags = ParseRestoreFlags(args);
    if (flags.help) {
        std::cout << "Usage: berth-runtime " << kUsage << "\n";
        return 0;
    }
    manager::ContainerId id(TakeSingleId(flags.rest));
    std::string bundle = cli::AbsolutePathOf(flags.bundle);
    oci::OciContainer container = oci::LoadBundle({id.str(), bundle});
    bool terminal = container.config.process.terminal;
    if (terminal && flags.detach && flags.console_socket.empty())
        throw UsageError{"a terminal container restored with --detach needs --console-socket"};
    if (!terminal && !flags.console_socket.empty())
        throw UsageError{"--console-socket needs process.terminal in config.json"};

    checkpoint::RestoreOptions options;
    options.image_dir = cli::AbsolutePathOf(flags.image_path);
    options.work_dir = flags.work_path.empty() ? "" : cli::AbsolutePathOf(flags.work_path);
    options.name = id.str();
    container.config.cgroup_location = oci::ConvertCgroupsPath(container.extras.cgroups_path, global.systemd_cgroup);
    options.config = container.config;
    if (!global.criu_path.empty())
        options.criu_path = global.criu_path;
    manager::RestoredContainer restored = manager::RestoreContainer(
        global.root, global.systemd_cgroup ? "systemd" : "cgroupfs", options, !flags.detach);
    SaveExtras(global, id, container.extras);  // state shows the bundle, annotations as after create
    for (const std::string& warning : restored.Warnings())
        std::cerr << "berth-runtime: warning: " << warning << "\n";
    if (!flags.pid_file.empty())
        WritePidFile(flags.pid_file, restored.State().pid);
    if (!flags.console_socket.empty() && restored.TerminalMaster() >= 0)
        SendConsole(flags.console_socket, restored.TerminalMaster());
    if (flags.detach)
        return 0;  // the restored init is left to whoever reaps our orphans (conmon: a subreaper)
    return restored.StayInForeground();
}

}  // namespace

BERTH_RUNTIME_VERB("restore", kUsage, "restore a container from a previous checkpoint (CRIU)", RestoreMain);

}  // namespace berth::runtime
