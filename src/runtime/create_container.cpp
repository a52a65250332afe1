#include "runtime/create_container.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

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

// Everything after the launch; throws with the container still there (the caller deletes it).
void FinishCreate(const GlobalOptions& global, manager::Manager& manager, const CreateRequest& request,
                  const oci::OciExtras& extras, manager::Container& container) {
    manager::ContainerId id(request.id);
    SaveExtras(global, id, extras);
    if (extras.oom_score_adj)
        WriteOomScoreAdj(container.Pid(), *extras.oom_score_adj);
    if (!request.console_socket.empty())
        SendConsole(request.console_socket, container.TerminalMaster());
    const std::string state = OciState(manager.Get(id), extras).dump();
    RunHooks(extras, "prestart", state);
    RunHooks(extras, "createRuntime", state);
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
    else if (name == "preserve-fds") {
        if (options.TakeValue() != "0")
            throw Error("--preserve-fds is not supported by Berth (only 0, the container gets fds 0-2)");
    } else
        return false;
    return true;
}

manager::Container CreateContainer(const GlobalOptions& global, manager::Manager& manager, const CreateRequest& request) {
    manager::ContainerId id(request.id);
    oci::ConvertContext context{request.id, AbsoluteBundle(request.bundle)};
    oci::OciContainer converted = oci::LoadBundle(context);
    if (!converted.extras.hooks["createContainer"].empty() || !converted.extras.hooks["startContainer"].empty())
        throw Error("config.json: hooks.createContainer/startContainer: not supported by Berth: hooks inside the "
                    "container's namespaces are not implemented");
    if (converted.config.process.terminal && request.console_socket.empty() && !request.foreground)
        throw Error("process.terminal needs --console-socket (the pty master is handed to it)");
    if (!converted.config.process.terminal && !request.console_socket.empty())
        throw Error("--console-socket needs process.terminal = true in config.json");
    if (!converted.extras.cgroups_path.empty()) {
        // Not honoured yet; said where every client reads it rather than refused (podman, the
        // containerd shim and Kubernetes always set it).
        const std::string where = global.systemd_cgroup ? "berth-" + request.id + ".scope in berth.slice"
                                                        : "berth/" + request.id + " of each hierarchy";
        WriteRuntimeLog("warning", "linux.cgroupsPath '" + converted.extras.cgroups_path +
                                       "' is not honoured: the container's cgroup is " + where);
    }
    if (!converted.seccomp_profile.empty()) {
        // Beside the state (the directory goes with it); the launcher compiles it at create.
        const std::string dir = global.root + "/" + id.str();
        if (PathExists(dir + "/state.toml"))  // its exec reads its own profile: leave it alone
            throw manager::ContainerExists("Container " + id.str() + " already exists");
        MakeDirs(dir);
        converted.config.seccomp = {config::SeccompMode::Profile, dir + "/seccomp.toml"};
        WriteFileAtomic(converted.config.seccomp.profile, converted.seccomp_profile, 0600, Durability::RuntimeOnly);
    }
    manager::RunOptions options;
    options.wait_for_start = true;
    options.foreground = request.foreground;
    manager::Container container = manager.Run(converted.config, options);
    try {
        FinishCreate(global, manager, request, converted.extras, container);
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
    manager.Release(id);
    oci::OciExtras extras = LoadExtras(global, id);
    RunHooksWarning(extras, "poststart", OciState(manager.Get(id), extras).dump());
}

}  // namespace berth::runtime
