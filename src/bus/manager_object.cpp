// org.berth1.Manager at /org/berth1: one function per method; slow work goes to the container's strand.
#include <chrono>

#include "bus/creds.hpp"
#include "bus/daemon.hpp"
#include "bus/message_read.hpp"
#include "util/log.hpp"

namespace berth::bus {

namespace {

Daemon& DaemonOf(void* userdata) { return *static_cast<Daemon*>(userdata); }

// Reads the leading container name and checks the caller is root; returns < 0 on failure.
int ReadNameAsRoot(sd_bus_message* m, sd_bus_error* error, std::string& name) {
    int r = RequireRootCaller(m, error);
    if (r < 0)
        return r;
    const char* raw = nullptr;
    r = sd_bus_message_read(m, "s", &raw);
    if (r < 0)
        return r;
    name = raw;
    return 0;
}

// The leading (s name, s text, a{sv} options) of Create/Run/Checkpoint/Restore, read as root;
// returns < 0 on failure.
struct NameTextOptions {
    std::string name;
    std::string text;
    Options options;
};
int ReadNameTextOptions(sd_bus_message* m, sd_bus_error* error, NameTextOptions& out) {
    int r = ReadNameAsRoot(m, error, out.name);
    if (r < 0)
        return r;
    const char* text = nullptr;
    r = sd_bus_message_read(m, "s", &text);
    if (r < 0)
        return r;
    out.text = text;
    return ReadOptions(m, out.options, error);
}

int MethodListContainers(sd_bus_message* m, void* userdata, sd_bus_error*) {
    DaemonOf(userdata).SubmitList(m);
    return 1;
}

int MethodGetContainer(sd_bus_message* m, void* userdata, sd_bus_error*) {
    const char* name = nullptr;
    int r = sd_bus_message_read(m, "s", &name);
    if (r < 0)
        return r;
    Daemon& daemon = DaemonOf(userdata);
    if (daemon.Find(name))
        return sd_bus_reply_method_return(m, "o", ContainerObjectPath(name).c_str());
    // Perhaps made by a standalone berthctl since we last looked: try its state.
    std::string key = name;
    daemon.Submit(m, key, [key](Engine& engine) {
        return Outcome{.reply = Outcome::Reply::ObjectPath, .record = engine.Load(key)};
    });
    return 1;
}

int MethodCreateContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    NameTextOptions in;
    int r = ReadNameTextOptions(m, error, in);
    if (r < 0)
        return r;
    DaemonOf(userdata).Submit(m, in.name, [in](Engine& engine) {
        return Outcome{.reply = Outcome::Reply::ObjectPath, .record = engine.Create(in.name, in.text, in.options)};
    });
    return 1;
}

// CreateContainer and StartContainer in one call (one client round trip, like `crun run`). A
// container that fails to start is removed again: the call leaves a running container or nothing.
int MethodRunContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    NameTextOptions in;
    int r = ReadNameTextOptions(m, error, in);
    if (r < 0)
        return r;
    DaemonOf(userdata).Submit(m, in.name, [in](Engine& engine) {
        engine.Create(in.name, in.text, in.options);
        try {
            return Outcome{.reply = Outcome::Reply::ObjectPath, .record = engine.Start(in.name, {})};
        } catch (...) {
            try {
                engine.Remove(in.name, true);
            } catch (const std::exception& e) {
                LogWarning("Failed to remove " + in.name + " after its failed start: " + e.what());
            }
            throw;
        }
    });
    return 1;
}

int MethodStartContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    DaemonOf(userdata).Submit(m, name, [name](Engine& engine) { return Outcome{.record = engine.Start(name, {})}; });
    return 1;
}

int MethodStartContainerWithStdio(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    ExecFds fds;
    // The fds belong to the message, which the Submit keeps referenced until the reply.
    r = sd_bus_message_read(m, "hhh", &fds.in, &fds.out, &fds.err);
    if (r < 0)
        return r;
    DaemonOf(userdata).Submit(m, name, [name, fds](Engine& engine) { return Outcome{.record = engine.Start(name, fds)}; });
    return 1;
}

int MethodStopContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    uint64_t timeout_usec = 0;
    r = sd_bus_message_read(m, "t", &timeout_usec);
    if (r < 0)
        return r;
    DaemonOf(userdata).Submit(m, name, [name, timeout_usec](Engine& engine) {
        return Outcome{.record = engine.Stop(name, std::chrono::microseconds(timeout_usec))};
    });
    return 1;
}

int MethodKillContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    int32_t signal = 0;
    r = sd_bus_message_read(m, "i", &signal);
    if (r < 0)
        return r;
    if (signal <= 0 || signal >= _NSIG)
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid signal %d", signal);
    DaemonOf(userdata).Submit(m, name, [name, signal](Engine& engine) {
        return Outcome{.record = engine.Kill(name, signal)};
    });
    return 1;
}

int MethodRemoveContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    int force = 0;
    r = sd_bus_message_read(m, "b", &force);
    if (r < 0)
        return r;
    DaemonOf(userdata).Submit(m, name, [name, force](Engine& engine) {
        engine.Remove(name, force != 0);
        return Outcome{.removed = true};
    });
    return 1;
}

// A method taking only the container's name whose work returns the container's new record.
int SubmitByName(sd_bus_message* m, void* userdata, sd_bus_error* error,
                 ContainerRecord (Engine::*operation)(const std::string&)) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    DaemonOf(userdata).Submit(m, name, [name, operation](Engine& engine) {
        return Outcome{.record = (engine.*operation)(name)};
    });
    return 1;
}

int MethodPauseContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return SubmitByName(m, userdata, error, &Engine::Pause);
}

int MethodResumeContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return SubmitByName(m, userdata, error, &Engine::Resume);
}

int MethodUpdateContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    Options resources;
    r = ReadOptions(m, resources, error);
    if (r < 0)
        return r;
    DaemonOf(userdata).Submit(m, name, [name, resources](Engine& engine) {
        return Outcome{.record = engine.Update(name, resources)};
    });
    return 1;
}

// ExecContainer and ExecContainerEx (with_options: a trailing a{sv}, Cwd (s) so far).
int ExecWithOptions(sd_bus_message* m, void* userdata, sd_bus_error* error, bool with_options) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    std::vector<std::string> argv, env;
    r = ReadStrings(m, argv);
    if (r >= 0)
        r = ReadStrings(m, env);
    ExecFds fds;
    // The fds belong to the message, which the Submit keeps referenced until the reply.
    if (r >= 0)
        r = sd_bus_message_read(m, "hhh", &fds.in, &fds.out, &fds.err);
    if (r < 0)
        return r;
    Options options;
    if (with_options && (r = ReadOptions(m, options, error)) < 0)
        return r;
    std::string cwd;
    for (const auto& [key, value] : options) {
        const std::string* text = std::get_if<std::string>(&value);
        if (key != "Cwd" || !text || text->empty() || text->front() != '/')
            return sd_bus_error_setf(error, "org.berth1.Error.InvalidConfig",
                                     "option %s: unknown exec option or wrong value (Cwd: s, an absolute path)",
                                     key.c_str());
        cwd = *text;
    }
    if (argv.empty())
        return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "ExecContainer needs a command (argv is empty)");
    DaemonOf(userdata).Submit(m, name, [name, argv, env, cwd, fds](Engine& engine) {
        ExecStarted started = engine.Exec(name, argv, env, cwd, fds);
        return Outcome{.reply = Outcome::Reply::Pid, .pid = started.pid, .exec_pidfd = started.pidfd};
    });
    return 1;
}

int MethodExecContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return ExecWithOptions(m, userdata, error, false);
}

int MethodExecContainerEx(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return ExecWithOptions(m, userdata, error, true);
}

// Read-only: any caller (as properties are), run on the container's strand like every other call.
int MethodGetContainerProcesses(sd_bus_message* m, void* userdata, sd_bus_error*) {
    const char* raw = nullptr;
    int r = sd_bus_message_read(m, "s", &raw);
    if (r < 0)
        return r;
    std::string name = raw;
    DaemonOf(userdata).Submit(m, name, [name](Engine& engine) {
        std::vector<ProcessInfo> processes = engine.Processes(name);
        return Outcome{.reply = Outcome::Reply::Custom, .append = [processes](sd_bus_message* reply) {
                           int r = sd_bus_message_open_container(reply, 'a', "(us)");
                           for (const auto& p : processes)
                               if (r >= 0)
                                   r = sd_bus_message_append(reply, "(us)", static_cast<uint32_t>(p.pid),
                                                             p.command_line.c_str());
                           return r < 0 ? r : sd_bus_message_close_container(reply);
                       }};
    });
    return 1;
}

// The fixed keys of GetContainerStats, all of type t (documented in org.berth1(5)).
int AppendStats(sd_bus_message* reply, const cgroup::Stats& s) {
    const std::pair<const char*, uint64_t> entries[] = {
        {"MemoryCurrent", s.memory.usage},     {"MemoryMax", s.memory.limit},
        {"MemoryPeak", s.memory.max_usage},    {"MemoryCache", s.memory.cache},
        {"MemoryAnon", s.memory.anon},         {"CPUUsageNSec", s.cpu.total_ns},
        {"CPUUserNSec", s.cpu.user_ns},        {"CPUSystemNSec", s.cpu.system_ns},
        {"CPUThrottledPeriods", s.cpu.throttled_periods},
        {"TasksCurrent", s.pids.current},      {"TasksMax", s.pids.limit},
        {"IOReadBytes", s.io.read_bytes},      {"IOWriteBytes", s.io.write_bytes},
    };
    int r = sd_bus_message_open_container(reply, 'a', "{sv}");
    for (const auto& [key, value] : entries)
        if (r >= 0)
            r = sd_bus_message_append(reply, "{sv}", key, "t", value);
    return r < 0 ? r : sd_bus_message_close_container(reply);
}

int MethodGetContainerStats(sd_bus_message* m, void* userdata, sd_bus_error*) {
    const char* raw = nullptr;
    int r = sd_bus_message_read(m, "s", &raw);
    if (r < 0)
        return r;
    std::string name = raw;
    DaemonOf(userdata).Submit(m, name, [name](Engine& engine) {
        cgroup::Stats stats = engine.Stats(name);
        return Outcome{.reply = Outcome::Reply::Custom,
                       .append = [stats](sd_bus_message* reply) { return AppendStats(reply, stats); }};
    });
    return 1;
}

int MethodCheckpointContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    NameTextOptions in;
    int r = ReadNameTextOptions(m, error, in);
    if (r < 0)
        return r;
    DaemonOf(userdata).Submit(m, in.name, [in](Engine& engine) {
        engine.Checkpoint(in.name, in.text, in.options);
        // A checkpoint stops the container unless LeaveRunning: report whatever it is now.
        return Outcome{.record = engine.Load(in.name)};
    });
    return 1;
}

// RestoreContainer and RestoreContainerWithStdio (with_stdio: three trailing h).
int SubmitRestore(sd_bus_message* m, void* userdata, sd_bus_error* error, bool with_stdio) {
    NameTextOptions in;
    int r = ReadNameTextOptions(m, error, in);
    if (r < 0)
        return r;
    ExecFds fds;
    // The fds belong to the message, which the Submit keeps referenced until the reply.
    if (with_stdio && (r = sd_bus_message_read(m, "hhh", &fds.in, &fds.out, &fds.err)) < 0)
        return r;
    DaemonOf(userdata).Submit(m, in.name, [in, fds](Engine& engine) {
        return Outcome{.reply = Outcome::Reply::ObjectPath,
                       .record = engine.Restore(in.name, in.text, in.options, fds)};
    });
    return 1;
}

int MethodRestoreContainer(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return SubmitRestore(m, userdata, error, false);
}

int MethodRestoreContainerWithStdio(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return SubmitRestore(m, userdata, error, true);
}

const sd_bus_vtable kManagerVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_NAMES("ListContainers", "", "", "a(ssso)", SD_BUS_PARAM(containers),
                             MethodListContainers, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetContainer", "s", SD_BUS_PARAM(name), "o", SD_BUS_PARAM(path), MethodGetContainer,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("CreateContainer", "ssa{sv}", SD_BUS_PARAM(name) SD_BUS_PARAM(toml) SD_BUS_PARAM(overrides),
                             "o", SD_BUS_PARAM(path), MethodCreateContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("StartContainer", "s", SD_BUS_PARAM(name), "", "", MethodStartContainer,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RunContainer", "ssa{sv}", SD_BUS_PARAM(name) SD_BUS_PARAM(toml) SD_BUS_PARAM(overrides),
                             "o", SD_BUS_PARAM(path), MethodRunContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("StartContainerWithStdio", "shhh",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(stdin) SD_BUS_PARAM(stdout) SD_BUS_PARAM(stderr), "", "",
                             MethodStartContainerWithStdio, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("StopContainer", "st", SD_BUS_PARAM(name) SD_BUS_PARAM(timeout_usec), "", "",
                             MethodStopContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("KillContainer", "si", SD_BUS_PARAM(name) SD_BUS_PARAM(signal), "", "",
                             MethodKillContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RemoveContainer", "sb", SD_BUS_PARAM(name) SD_BUS_PARAM(force), "", "",
                             MethodRemoveContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("PauseContainer", "s", SD_BUS_PARAM(name), "", "", MethodPauseContainer,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ResumeContainer", "s", SD_BUS_PARAM(name), "", "", MethodResumeContainer,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("UpdateContainer", "sa{sv}", SD_BUS_PARAM(name) SD_BUS_PARAM(resources), "",
                             "", MethodUpdateContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ExecContainer", "sasashhh",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(argv) SD_BUS_PARAM(env) SD_BUS_PARAM(stdin)
                                 SD_BUS_PARAM(stdout) SD_BUS_PARAM(stderr),
                             "u", SD_BUS_PARAM(pid), MethodExecContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ExecContainerEx", "sasashhha{sv}",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(argv) SD_BUS_PARAM(env) SD_BUS_PARAM(stdin)
                                 SD_BUS_PARAM(stdout) SD_BUS_PARAM(stderr) SD_BUS_PARAM(options),
                             "u", SD_BUS_PARAM(pid), MethodExecContainerEx, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetContainerProcesses", "s", SD_BUS_PARAM(name), "a(us)", SD_BUS_PARAM(processes),
                             MethodGetContainerProcesses, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetContainerStats", "s", SD_BUS_PARAM(name), "a{sv}", SD_BUS_PARAM(stats),
                             MethodGetContainerStats, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("CheckpointContainer", "ssa{sv}",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(image_path) SD_BUS_PARAM(options), "", "",
                             MethodCheckpointContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RestoreContainer", "ssa{sv}",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(image_path) SD_BUS_PARAM(options), "o",
                             SD_BUS_PARAM(path), MethodRestoreContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RestoreContainerWithStdio", "ssa{sv}hhh",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(image_path) SD_BUS_PARAM(options) SD_BUS_PARAM(stdin)
                                 SD_BUS_PARAM(stdout) SD_BUS_PARAM(stderr),
                             "o", SD_BUS_PARAM(path), MethodRestoreContainerWithStdio, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_NAMES("ContainerNew", "so", SD_BUS_PARAM(name) SD_BUS_PARAM(path), 0),
    SD_BUS_SIGNAL_WITH_NAMES("ContainerRemoved", "so", SD_BUS_PARAM(name) SD_BUS_PARAM(path), 0),
    SD_BUS_SIGNAL_WITH_NAMES("ExecExited", "sui", SD_BUS_PARAM(name) SD_BUS_PARAM(pid) SD_BUS_PARAM(exit_status), 0),
    SD_BUS_SIGNAL_WITH_NAMES("ContainerEvent", "ssit",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(event) SD_BUS_PARAM(exit_status) SD_BUS_PARAM(usec), 0),
    SD_BUS_VTABLE_END,
};

}  // namespace

void AddManagerObject(Daemon& daemon, std::vector<SlotPtr>& slots) {
    sd_bus_slot* slot = nullptr;
    CheckNegErrno(sd_bus_add_object_vtable(daemon.Bus(), &slot, kManagerPath, kManagerInterface, kManagerVtable, &daemon),
                  "Failed to export org.berth1.Manager");
    slots.emplace_back(slot);
}

}  // namespace berth::bus
