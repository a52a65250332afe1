#include "runtime/create_container.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "config/seccomp_profile.hpp"
#include "runtime/context.hpp"
#include "runtime/hooks.hpp"
#include "runtime/options.hpp"
#include "runtime/process_handoff.hpp"
#include "runtime/runtime_log.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::runtime {
namespace {

std::string AbsoluteBundle(const std::string& bundle) {
    char* resolved = ::realpath(bundle.c_str(), nullptr);
    if (!resolved)
        ThrowErrno("resolve the bundle " + bundle);
    std::string path(resolved);
    std::free(resolved);
    return path;
}

void WriteOomScoreAdj(pid_t pid, int64_t value) {
    WriteFile("/proc/" + std::to_string(pid) + "/oom_score_adj", std::to_string(value));
}

// The state a setup hook gets, with the init's pid: createRuntime's is "creating" (runc's); the
// legacy prestart hooks get "created", as crun gives them and the runtime-tools validation expects.
std::string SetupState(manager::Manager& manager, const manager::ContainerId& id, const oci::OciExtras& extras,
                       pid_t pid, manager::Status status) {
    manager::ContainerState state = manager.GetStatus(id);
    state.status = status;
    state.pid = pid;
    return OciState(state, extras).dump();
}

// The hooks that run while the init sets up: prestart and createRuntime here (in the runtime's
// namespaces, the init placed and its namespaces made, before its pivot_root), createContainer
// and startContainer in the init.
launch::SetupHooks SetupHooksOf(manager::Manager& manager, const manager::ContainerId& id,
                                const oci::OciExtras& extras) {
    launch::SetupHooks hooks;
    hooks.create_container = HookPrograms(extras, "createContainer");
    hooks.start_container = HookPrograms(extras, "startContainer");
    if (HookPrograms(extras, "prestart").empty() && HookPrograms(extras, "createRuntime").empty() &&
        hooks.create_container.empty())
        return hooks;
    hooks.before_pivot = [&manager, id, &extras](pid_t pid) {
        // Before any hook, as runc: a hook may look at it.
        if (extras.oom_score_adj)
            WriteOomScoreAdj(pid, *extras.oom_score_adj);
        RunHooks(extras, "prestart", SetupState(manager, id, extras, pid, manager::Status::Created));
        const std::string state = SetupState(manager, id, extras, pid, manager::Status::Creating);
        RunHooks(extras, "createRuntime", state);
        return state;
    };
    return hooks;
}

// Everything after the launch; throws with the container still there (the caller deletes it).
void FinishCreate(const GlobalOptions& global, const CreateRequest& request,
                  const oci::OciExtras& extras, manager::Container& container) {
    manager::ContainerId id(request.id);
    SaveExtras(global, id, extras);
    if (extras.oom_score_adj)
        WriteOomScoreAdj(container.Pid(), *extras.oom_score_adj);
    if (!request.console_socket.empty())
        SendConsole(request.console_socket, container.TerminalMaster());
    if (!request.pid_file.empty())
        WritePidFile(request.pid_file, container.Pid());
}

}  // namespace

bool TakeCreateOption(OptionParser& options, CreateRequest& request) {
    const std::string name = options.Name();
    if (name == "bundle" || name == "b")
        request.bundle = options.TakeValue();
    else if (name == "pid-file")
        request.pid_file = options.TakeValue();
    else if (name == "console-socket")
        request.console_socket = options.TakeValue();
    else if (name == "no-pivot" || name == "no-new-keyring")
        options.TakeFlag();  // Berth always pivots and never makes a session keyring
    else if (name == "preserve-fds")
        request.preserve_fds = ParsePreserveFds(options.TakeValue());
    else
        return false;
    return true;
}

manager::Container CreateContainer(const GlobalOptions& global, manager::Manager& manager, const CreateRequest& request) {
    manager::ContainerId id(request.id);
    oci::ConvertContext context{request.id, AbsoluteBundle(request.bundle)};
    oci::OciContainer converted = oci::LoadBundle(context);
    if (converted.config.process.terminal && request.console_socket.empty() && !request.foreground)
        throw Error("process.terminal needs --console-socket (the pty master is handed to it)");
    if (!converted.config.process.terminal && !request.console_socket.empty())
        throw Error("--console-socket needs process.terminal = true in config.json");
    converted.config.cgroup_location = oci::ConvertCgroupsPath(converted.extras.cgroups_path, global.systemd_cgroup);
    if (!converted.seccomp_profile.empty()) {
        // Beside the state (the directory goes with it): its stored configuration names the file.
        const std::string dir = global.root + "/" + id.str();
        if (PathExists(dir + "/state.toml"))  // its exec reads its own profile: leave it alone
            throw manager::ContainerExists("Container " + id.str() + " already exists");
        MakeDirs(dir);
        const std::string profile = dir + "/seccomp.toml";
        WriteFileAtomic(profile, converted.seccomp_profile, 0600, Durability::RuntimeOnly);
        converted.config.seccomp = config::LoadSeccompProfile(profile);
    }
    manager::RunOptions options;
    options.wait_for_start = true;
    options.foreground = request.foreground;
    options.stdio.preserved = request.preserve_fds;
    options.hooks = SetupHooksOf(manager, id, converted.extras);
    manager::Container container = manager.Run(converted.config, options);
    try {
        FinishCreate(global, request, converted.extras, container);
    } catch (...) {
        try {
            manager.Remove(id, true);
        } catch (const std::exception& e) {
            WriteRuntimeLog("warning", std::string("Failed to delete the failed container: ") + e.what());
        }
        throw;
    }
    return container;
}

void StartContainer(const GlobalOptions& global, manager::Manager& manager, const std::string& id_text) {
    manager::ContainerId id(id_text);
    oci::OciExtras extras = LoadExtras(global, id);
    std::string start_state;
    if (!HookPrograms(extras, "startContainer").empty())
        start_state = OciState(manager.Get(id), extras).dump();
    manager.Release(id, start_state);
    // "running" even when the process has already exited, as runc passes it.
    manager::ContainerState state = manager.Get(id);
    state.status = manager::Status::Running;
    RunHooksWarning(extras, "poststart", OciState(state, extras).dump());
}

}  // namespace berth::runtime
