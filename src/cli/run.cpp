// berthctl run: a container from its TOML files (run NAME) or ad hoc (run --rootfs DIR -- CMD),
// in the foreground (signals forwarded, exit code passed on) or detached.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <random>

#include "cli/arg_cursor.hpp"
#include "cli/backend.hpp"
#include "cli/manager_access.hpp"
#include "cli/notify_proxy.hpp"
#include "cli/service_notify.hpp"
#include "cli/socket_activation.hpp"
#include "config/defaults.hpp"
#include "config/loader.hpp"
#include "config/units.hpp"
#include "manager/detached_run.hpp"
#include "manager/raw_terminal.hpp"
#include "util/error.hpp"

namespace berth::cli {
namespace {

struct RunArgs {
    std::optional<std::string> rootfs, name, hostname, netns, memory;
    bool tty = false;
    bool detach = false;
    std::vector<std::string> positionals;  // NAME (from files) or the command (ad hoc)
};

RunArgs ParseRunArgs(const std::vector<std::string>& args) {
    RunArgs parsed;
    ArgCursor cursor(args);
    while (!cursor.Done()) {
        if (cursor.TakeDashDash()) {
            parsed.positionals = cursor.TakeRest();
            break;
        }
        if (cursor.TakeFlag("--tty") || cursor.TakeFlag("-t"))
            parsed.tty = true;
        else if (cursor.TakeFlag("--detach") || cursor.TakeFlag("-d"))
            parsed.detach = true;
        else if (auto v = cursor.TakeValue("--rootfs"))
            parsed.rootfs = v;
        else if (auto v = cursor.TakeValue("--name"))
            parsed.name = v;
        else if (auto v = cursor.TakeValue("--hostname"))
            parsed.hostname = v;
        else if (auto v = cursor.TakeValue("--netns"))
            parsed.netns = v;
        else if (auto v = cursor.TakeValue("--memory"))
            parsed.memory = v;
        else if (cursor.AtOption())
            cursor.RejectUnknown();
        else if (parsed.rootfs) {
            // Ad hoc: the first word not an option starts the command.
            parsed.positionals = cursor.TakeRest();
        } else {
            parsed.positionals.push_back(cursor.TakePositional());
        }
    }
    return parsed;
}

std::string GeneratedName() {
    std::random_device random;
    char suffix[9];
    std::snprintf(suffix, sizeof suffix, "%08x", random());
    return std::string("berth-") + suffix;
}

std::string AbsolutePath(const std::string& path) {
    char* resolved = ::realpath(path.c_str(), nullptr);
    if (!resolved)
        ThrowErrno("rootfs " + path);
    std::string out = resolved;
    ::free(resolved);
    return out;
}

config::ContainerConfig AdHocConfig(const RunArgs& args) {
    if (args.positionals.empty())
        throw UsageError{"missing command: run --rootfs DIR [OPTIONS] -- CMD [ARGS...]"};
    config::ContainerConfig config = config::DefaultContainerConfig();
    config.name = args.name.value_or(GeneratedName());
    manager::ContainerId validated(config.name);
    config.rootfs = AbsolutePath(*args.rootfs);
    config.process.args = args.positionals;
    // As podman does: a container with its own UTS namespace is named after itself unless told otherwise.
    // (A '_' is fine in a container name, not in a host name.)
    config.hostname = args.hostname.value_or(config.name);
    if (!args.hostname)
        std::replace(config.hostname.begin(), config.hostname.end(), '_', '-');
    if (args.netns) {
        bool replaced = false;
        for (config::NamespaceConfig& ns : config.namespaces)
            if (ns.kind == config::NamespaceKind::Net) {
                ns.path = *args.netns;
                replaced = true;
            }
        if (!replaced)
            config.namespaces.push_back({config::NamespaceKind::Net, *args.netns});
    }
    if (args.memory) {
        try {
            config.resources.memory_max = config::ParseByteSize(*args.memory);
        } catch (const config::UnitError& e) {
            throw UsageError{"--memory " + *args.memory + ": " + e.what()};
        }
    }
    // What files are checked for, flags are too, before anything is created.
    config::ValidateContainerConfig(config, "command line");
    return config;
}

// Create (+ Start) through berthd: the init is the child of berthd's monitor, which records its exit.
// config_changed: berthctl added to NAME.toml's configuration (notify proxy, --tty), so berthd gets
// it whole. A terminal's pty and socket activation's fds travel over the bus (Attachment).
int RunThroughBerthd(Backend& berthd, const config::ContainerConfig& config, const RunArgs& args,
                     bool config_changed, const ListenFds& listen) {
    try {
        if (args.detach) {
            berthd.CreateAndStart(config.name, args.rootfs ? &config : nullptr);
        } else {
            if (args.rootfs || config_changed)
                berthd.CreateFrom(config);
            else
                berthd.Create(config.name);
            return berthd.StartAttached(config.name,
                                        Attachment{config.process.terminal, manager::WindowSizeOf(STDIN_FILENO),
                                                   listen.count, listen.names});
        }
        if (!args.name && args.rootfs)
            std::cout << config.name << std::endl;
        return 0;
    } catch (const Error& e) {
        PrintVerbError("run", e.what());
        return kStartFailedExitCode;
    }
}

int RunMain(const GlobalOptions& global, const std::vector<std::string>& argv) {
    RunArgs args = ParseRunArgs(argv);
    if (args.detach && args.tty)
        throw UsageError{"--tty cannot be combined with --detach (nobody would hold the terminal)"};
    manager::Manager manager = MakeManager(global);
    config::ContainerConfig config;
    if (args.rootfs) {
        try {
            config = AdHocConfig(args);
        } catch (const Error& e) {
            PrintVerbError("run", e.what());
            return kStartFailedExitCode;
        }
    } else {
        if (args.positionals.size() != 1)
            throw UsageError{args.positionals.empty() ? "missing container name" : "run NAME takes no command"};
        for (const auto& [option, given] : {std::pair{"--name", args.name.has_value()},
                                            {"--hostname", args.hostname.has_value()},
                                            {"--netns", args.netns.has_value()},
                                            {"--memory", args.memory.has_value()}})
            if (given)
                throw UsageError{std::string(option) + " only applies with --rootfs (edit NAME.toml instead)"};
        config = manager.LoadConfig(manager::ContainerId(args.positionals[0]));
    }
    if (args.tty)
        config.process.terminal = true;
    if (args.detach && config.process.terminal)
        throw UsageError{"container " + config.name + " wants a terminal: it cannot run detached"};

    std::unique_ptr<NotifyProxy> notify_proxy;
    ListenFds listen;
    try {
        if (!args.detach) {
            notify_proxy = NotifyProxy::ForContainer(config);
            listen = TakeListenFds();
        }
    } catch (const Error& e) {
        PrintVerbError("run", e.what());
        return kStartFailedExitCode;
    }

    // The one combination berthd's API does not carry yet: a terminal and sockets in one start.
    if (!(config.process.terminal && listen.count > 0)) {
        std::unique_ptr<Backend> backend = MakeBackend(global);
        if (backend->Kind() == "berthd")
            return RunThroughBerthd(*backend, config, args, notify_proxy != nullptr || args.tty, listen);
    }

    try {
        if (args.detach) {
            // A monitor process is the init's parent: output to the log, exit code to the state.
            manager::ContainerState state = manager::RunDetached(manager, config, ContainerLogDir(global));
            if (!args.name && args.rootfs)
                std::cout << state.name << std::endl;
            return 0;
        }
        manager::RunOptions options;
        options.foreground = true;
        options.watch_oom = true;  // an init OOM-killed at once is noticed too
        options.listen_fds = listen.count;
        options.listen_fd_names = listen.names;
        options.window = manager::WindowSizeOf(STDIN_FILENO);
        manager::Container container = manager.Run(config, options);
        NotifyContainerStarted(container.State().name);
        int exit_code = manager.StayInForeground(container);
        PrintExitReason(container.State());
        return exit_code;
    } catch (const Error& e) {
        PrintVerbError("run", e.what());
        return kStartFailedExitCode;
    }
}

}  // namespace

BERTH_VERB("run",
           "run [--detach] [--tty] NAME | run --rootfs DIR [--name N] [--hostname H] [--netns PATH] [--memory SIZE] "
           "[--tty] [--detach] -- CMD [ARGS...]",
           "run a container (from NAME.toml or ad hoc) in the foreground or detached", RunMain);

}  // namespace berth::cli
