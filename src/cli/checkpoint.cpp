// berthctl checkpoint NAME --image-path DIR [...]: dump a running container with CRIU.

#include <string>
#include <vector>

#include "cli/absolute_path.hpp"
#include "cli/backend.hpp"
#include "manager/container_id.hpp"

namespace berth::cli {
namespace {

int CheckpointMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    std::string name;
    checkpoint::CheckpointOptions options;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&](const std::string& option) -> std::string {
            if (arg.rfind(option + "=", 0) == 0)
                return arg.substr(option.size() + 1);
            if (i + 1 >= args.size())
                throw UsageError{option + " needs a value"};
            return args[++i];
        };
        auto is = [&](const std::string& option) { return arg == option || arg.rfind(option + "=", 0) == 0; };
        if (is("--image-path"))
            options.image_dir = value("--image-path");
        else if (is("--work-path"))
            options.work_dir = value("--work-path");
        else if (is("--manage-cgroups-mode"))
            options.manage_cgroups_mode = value("--manage-cgroups-mode");
        else if (arg == "--leave-running")
            options.leave_running = true;
        else if (arg == "--tcp-established")
            options.flags.tcp_established = true;
        else if (arg == "--ext-unix-sk")
            options.flags.ext_unix_sk = true;
        else if (arg == "--shell-job")
            options.flags.shell_job = true;
        else if (arg == "--file-locks")
            options.flags.file_locks = true;
        else if (arg.rfind("-", 0) == 0)
            throw UsageError{"unknown option " + arg};
        else if (name.empty())
            name = arg;
        else
            throw UsageError{"unexpected argument " + arg};
    }
    if (name.empty())
        throw UsageError{"missing container name"};
    if (options.image_dir.empty())
        throw UsageError{"--image-path is required"};
    options.image_dir = AbsolutePathOf(options.image_dir);
    if (!options.work_dir.empty())
        options.work_dir = AbsolutePathOf(options.work_dir);
    MakeBackend(global)->Checkpoint(manager::ContainerId(name).str(), options);
    return 0;
}

}  // namespace

BERTH_VERB("checkpoint",
           "checkpoint NAME --image-path DIR [--work-path DIR] [--leave-running] [--tcp-established] "
           "[--ext-unix-sk] [--shell-job] [--file-locks] [--manage-cgroups-mode soft|full|strict|ignore]",
           "checkpoint a running container with CRIU", CheckpointMain);

}  // namespace berth::cli
