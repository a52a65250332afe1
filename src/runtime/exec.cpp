// berth-runtime exec [--process FILE] [--detach] [--pid-file FILE] [--console-socket SOCK] [--tty]
// [--cwd DIR] [--env K=V]... [--user UID[:GID]] [--additional-gids GID]... [--cap CAP]...
// [--no-new-privs] [--preserve-fds N] ID [CMD...]: a new process in a running container, as runc's.
// --process is runtime-spec's Process (what conmon and the containerd shim write); without it the
// process is the container's own with the command and the flags' changes.
#include <nlohmann/json.hpp>

#include "config/capability_names.hpp"
#include "manager/foreground.hpp"
#include "manager/forwarded_signals.hpp"
#include "oci/spec.hpp"
#include "runtime/options.hpp"
#include "runtime/process_handoff.hpp"
#include "runtime/context.hpp"
#include "runtime/verb.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::runtime {
namespace {

struct ExecFlags {
    std::string process_file;
    bool detach = false;
    std::string pid_file;
    std::string console_socket;
    bool tty = false;
    std::string cwd;
    std::vector<std::string> env;
    std::string user;
    std::vector<gid_t> additional_gids;
    std::vector<std::string> caps;
    bool no_new_privs = false;
    unsigned preserve_fds = 0;
    std::vector<std::string> rest;  // ID [CMD...]
};

uint32_t ParseId(const std::string& text, const std::string& what) {
    std::optional<unsigned long> value = ParseUnsigned(text, 0xffffffffUL);
    if (!value)
        throw UsageError{what + " must be a number, not '" + text + "'"};
    return static_cast<uint32_t>(*value);
}

ExecFlags ParseExecFlags(const std::vector<std::string>& args) {
    ExecFlags flags;
    OptionParser options(args);
    while (options.AtOption()) {
        const std::string name = options.Name();
        if (name == "p" || name == "process")
            flags.process_file = options.TakeValue();
        else if (name == "d" || name == "detach")
            flags.detach = options.TakeFlag();
        else if (name == "pid-file")
            flags.pid_file = options.TakeValue();
        else if (name == "console-socket")
            flags.console_socket = options.TakeValue();
        else if (name == "t" || name == "tty")
            flags.tty = options.TakeFlag();
        else if (name == "cwd")
            flags.cwd = options.TakeValue();
        else if (name == "e" || name == "env")
            flags.env.push_back(options.TakeValue());
        else if (name == "u" || name == "user")
            flags.user = options.TakeValue();
        else if (name == "g" || name == "additional-gids")
            flags.additional_gids.push_back(ParseId(options.TakeValue(), "--additional-gids"));
        else if (name == "c" || name == "cap")
            flags.caps.push_back(options.TakeValue());
        else if (name == "no-new-privs")
            flags.no_new_privs = options.TakeFlag();
        else if (name == "preserve-fds")
            flags.preserve_fds = ParsePreserveFds(options.TakeValue());
        else if (name == "ignore-paused" || name == "cgroup" || name == "process-label" || name == "apparmor") {
            throw Error("exec --" + name + ": not supported by Berth");
        } else {
            options.RejectUnknown();
        }
    }
    flags.rest = options.Rest();
    if (flags.rest.empty())
        throw UsageError{"container id cannot be empty"};
    return flags;
}

// runtime-spec's Process from --process FILE onto the container's settings (what the JSON omits,
// capabilities or rlimits, stays the container's).
launch::ExecProcess ProcessFromFile(const std::string& path, const config::ContainerConfig& container) {
    nlohmann::json process;
    try {
        process = nlohmann::json::parse(ReadFile(path));
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(path + ": not valid JSON: " + e.what());
    }
    config::ContainerConfig converted = container;
    converted.process = {};
    if (process.is_object() && process.contains("rlimits"))
        converted.rlimits.clear();
    oci::OciExtras ignored;
    try {
        oci::ConvertProcess(process, converted, ignored);
    } catch (const Error& e) {
        throw Error(path + ": " + e.what());
    }
    return {converted.process, converted.capabilities, converted.rlimits};
}

// The container's process changed by --user, --additional-gids, --cap, --no-new-privs.
launch::ExecProcess ProcessFromFlags(const ExecFlags& flags, const config::ContainerConfig& container) {
    launch::ExecProcess own{container.process, container.capabilities, container.rlimits};
    own.process.args.clear();
    own.process.env.clear();  // the Manager merges --env into the container's environment
    if (!flags.user.empty()) {
        size_t colon = flags.user.find(':');
        own.process.uid = ParseId(flags.user.substr(0, colon), "--user's uid");
        own.process.gid = colon == std::string::npos ? 0 : ParseId(flags.user.substr(colon + 1), "--user's gid");
        own.process.additional_gids.clear();
    }
    for (gid_t gid : flags.additional_gids)
        own.process.additional_gids.push_back(gid);
    for (const std::string& written : flags.caps) {
        std::optional<int> cap = config::CapabilityFromName(written);
        if (!cap)
            throw UsageError{"--cap: unknown capability '" + written + "'"};
        for (auto* set : {&own.capabilities.bounding, &own.capabilities.effective, &own.capabilities.permitted,
                          &own.capabilities.inheritable, &own.capabilities.ambient})
            set->Add(*cap);
    }
    if (flags.no_new_privs)
        own.process.no_new_privileges = true;
    return own;
}

launch::ExecRequest MakeRequest(const ExecFlags& flags, const config::ContainerConfig& container) {
    launch::ExecRequest request;
    if (!flags.process_file.empty()) {
        request.process = ProcessFromFile(flags.process_file, container);
        request.terminal = request.process->process.terminal;
        return request;
    }
    request.args.assign(flags.rest.begin() + 1, flags.rest.end());
    if (request.args.empty())
        throw UsageError{"exec needs a command (or --process FILE)"};
    for (const std::string& kv : flags.env) {
        if (kv.find('=') == std::string::npos || kv.front() == '=')
            throw UsageError{"--env takes KEY=VALUE, not '" + kv + "'"};
    }
    request.env = flags.env;
    if (!flags.cwd.empty())
        request.cwd = flags.cwd;
    request.terminal = flags.tty;
    request.process = ProcessFromFlags(flags, container);
    request.process->process.terminal = flags.tty;
    return request;
}

int ExecMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    ExecFlags flags = ParseExecFlags(args);
    manager::Manager manager = MakeManager(global);
    manager::ContainerId id(flags.rest[0]);
    launch::ExecRequest request = MakeRequest(flags, manager.Get(id).config);
    request.stdio.preserved = flags.preserve_fds;
    if (request.terminal && flags.detach && flags.console_socket.empty())
        throw UsageError{"cannot allocate a tty for a detached process without --console-socket"};
    if (!request.terminal && !flags.console_socket.empty())
        throw UsageError{"--console-socket needs a terminal (--tty or process.terminal)"};

    // Blocked before the process exists, so a signal meant for it is never lost (foreground only).
    std::optional<manager::ForwardedSignals> signals;
    if (!flags.detach)
        signals.emplace();
    launch::Executed executed = manager.StartExec(id, request);
    if (!flags.pid_file.empty())
        WritePidFile(flags.pid_file, executed.pid);
    if (!flags.console_socket.empty()) {
        SendConsole(flags.console_socket, executed.terminal_master.Get());
        executed.terminal_master.Reset();
    }
    if (flags.detach)
        return 0;  // the process is left to whoever reaps our orphans (conmon, the shim: subreapers)
    return manager::StayInForeground({executed.pid, executed.pidfd.Get(), executed.terminal_master.Get()}, *signals);
}

}  // namespace

BERTH_RUNTIME_VERB("exec",
                   "exec [--process FILE] [--detach] [--pid-file FILE] [--console-socket SOCK] [--tty] [--cwd DIR] "
                   "[--env K=V]... [--user UID[:GID]] [--additional-gids GID]... [--cap CAP]... [--no-new-privs] "
                   "[--preserve-fds N] ID [CMD [ARGS...]]",
                   "execute a new process inside the container", ExecMain);

}  // namespace berth::runtime
