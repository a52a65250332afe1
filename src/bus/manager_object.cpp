// org.berth1.Manager at /org/berth1: one function per method; slow work goes to the container's strand.
#include <algorithm>
#include <chrono>

#include "bus/container_calls.hpp"
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

// Manager.XxxContainer of a per-container operation: the name is the first argument, the caller root.
template <ContainerCall serve>
int ByName(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    return serve(DaemonOf(userdata), m, name, error);
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

// Answered here, from the records: no state file is read and no worker is involved, so a listing
// of a thousand containers costs one pass over memory (berthctl list). The control groups are
// two thirds of the reply: only sent when asked for (list --json).
int MethodListContainerStates(sd_bus_message* m, void* userdata, sd_bus_error*) {
    int with_control_groups = 0;
    int r = sd_bus_message_read(m, "b", &with_control_groups);
    if (r < 0)
        return r;
    sd_bus_message* raw = nullptr;
    r = sd_bus_message_new_method_return(m, &raw);
    MessagePtr reply(raw);
    if (r >= 0)
        r = sd_bus_message_open_container(raw, 'a', kContainerStateElement);
    for (const auto& [name, c] : DaemonOf(userdata).Records()) {
        if (r >= 0)
            r = sd_bus_message_open_container(raw, 'r', kContainerStateFields);
        if (r >= 0)
            r = sd_bus_message_append(raw, "ssussstsit", c.name.c_str(), c.state.c_str(),
                                      static_cast<uint32_t>(std::max(c.leader, 0)), c.unit.c_str(), c.rootfs.c_str(),
                                      c.network_namespace.c_str(), c.created_nsec, c.cgroup_driver.c_str(),
                                      c.exit_status, c.oom_kills);
        if (r >= 0)
            r = sd_bus_message_open_container(raw, 'a', "{ss}");
        if (with_control_groups)
            for (const auto& [hierarchy, cgroup] : c.control_groups)
                if (r >= 0)
                    r = sd_bus_message_append(raw, "{ss}", hierarchy.c_str(), cgroup.c_str());
        if (r >= 0)
            r = sd_bus_message_close_container(raw);
        if (r >= 0)
            r = sd_bus_message_close_container(raw);
    }
    if (r >= 0)
        r = sd_bus_message_close_container(raw);
    if (r >= 0)
        r = sd_bus_send(nullptr, raw, nullptr);
    return r < 0 ? r : 1;
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

// The StartContainerWith* methods: the name, then what `read` takes from the message into the
// fds (they belong to the message, which the Submit keeps referenced until the reply).
template <typename Read>
int StartWith(sd_bus_message* m, void* userdata, sd_bus_error* error, Read read) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    ExecFds fds;
    r = read(fds);
    if (r < 0)
        return r;
    DaemonOf(userdata).Submit(m, name, [name, fds](Engine& engine) { return Outcome{.record = engine.Start(name, fds)}; });
    return 1;
}

int ReadStdio(sd_bus_message* m, ExecFds& fds) { return sd_bus_message_read(m, "hhh", &fds.in, &fds.out, &fds.err); }

int MethodStartContainerWithStdio(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return StartWith(m, userdata, error, [m](ExecFds& fds) { return ReadStdio(m, fds); });
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

// Socket activation: StartContainerWithStdio's arguments, then the listening sockets (ah) and
// their names (s, LISTEN_FDNAMES), passed into the init as its fds 3.. with LISTEN_FDS.
int MethodStartContainerWithSockets(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return StartWith(m, userdata, error, [m](ExecFds& fds) {
        int r = ReadStdio(m, fds);
        if (r >= 0)
            r = sd_bus_message_enter_container(m, 'a', "h");
        int fd = -1;
        while (r >= 0 && (r = sd_bus_message_read(m, "h", &fd)) > 0)
            fds.listen_fds.push_back(fd);
        if (r >= 0)
            r = sd_bus_message_exit_container(m);
        const char* names = nullptr;
        if (r >= 0)
            r = sd_bus_message_read(m, "s", &names);
        if (r >= 0)
            fds.listen_fd_names = names;
        return r;
    });
}

// A terminal container: its pty master is sent on console_socket (SCM_RIGHTS), as runc's
// --console-socket; the caller relays it and sets its window size.
int MethodStartContainerWithTerminal(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return StartWith(m, userdata, error, [m](ExecFds& fds) {
        return sd_bus_message_read(m, "hqq", &fds.console_socket, &fds.rows, &fds.columns);
    });
}

// ExecContainer and ExecContainerEx (with_options: a trailing a{sv}, Cwd (s) so far), and
// ExecContainerWithTerminal (terminal: no stdio; the reply carries the pty master after the pid).
int ExecWithOptions(sd_bus_message* m, void* userdata, sd_bus_error* error, bool with_options, bool terminal = false) {
    std::string name;
    int r = ReadNameAsRoot(m, error, name);
    if (r < 0)
        return r;
    std::vector<std::string> argv, env;
    r = ReadStrings(m, argv);
    if (r >= 0)
        r = ReadStrings(m, env);
    ExecFds fds;
    fds.terminal = terminal;
    // The fds belong to the message, which the Submit keeps referenced until the reply.
    if (r >= 0 && !terminal)
        r = sd_bus_message_read(m, "hhh", &fds.in, &fds.out, &fds.err);
    if (r < 0)
        return r;
    Options options;
    if (with_options && (r = ReadOptions(m, options, error)) < 0)
        return r;
    std::string cwd;
    for (const auto& [key, value] : options) {
        const std::string* text = std::get_if<std::string>(&value);
        const uint64_t* number = std::get_if<uint64_t>(&value);
        if (terminal && (key == "Rows" || key == "Columns") && number && *number <= 0xffff) {
            (key == "Rows" ? fds.rows : fds.columns) = static_cast<unsigned short>(*number);
            continue;
        }
        if (key != "Cwd" || !text || text->empty() || text->front() != '/')
            return sd_bus_error_setf(error, kErrorInvalidConfig,
                                     "option %s: unknown exec option or wrong value (Cwd: s, an absolute path%s)",
                                     key.c_str(), terminal ? "; Rows, Columns: u" : "");
        cwd = *text;
    }
    if (argv.empty())
        return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "ExecContainer needs a command (argv is empty)");
    DaemonOf(userdata).Submit(m, name, [name, argv, env, cwd, fds](Engine& engine) {
        ExecStarted started = engine.Exec(name, argv, env, cwd, fds);
        if (!fds.terminal)
            return Outcome{.reply = Outcome::Reply::Pid, .pid = started.pid, .exec_pidfd = started.pidfd};
        return Outcome{.reply = Outcome::Reply::Custom,
                       .pid = started.pid,
                       .exec_pidfd = started.pidfd,
                       .append = [pid = started.pid, master = started.terminal_master](sd_bus_message* reply) {
                           if (!master || !*master)
                               return -EIO;
                           // sd-bus sends a duplicate: ours closes with the last copy of this closure.
                           return sd_bus_message_append(reply, "uh", static_cast<uint32_t>(pid), master->Get());
                       }};
    });
    return 1;
}

int MethodExecContainerWithTerminal(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return ExecWithOptions(m, userdata, error, true, true);
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

#define BERTH_MANAGER_METHOD(member, in, in_names, out, out_names, serve)                                 \
    SD_BUS_METHOD_WITH_NAMES(member "Container", "s" in, SD_BUS_PARAM(name) in_names, out, out_names, ByName<serve>, \
                             SD_BUS_VTABLE_UNPRIVILEGED),

const sd_bus_vtable kManagerVtable[] = {
    SD_BUS_VTABLE_START(0),
    BERTH_CONTAINER_CALLS(BERTH_MANAGER_METHOD)
    SD_BUS_METHOD_WITH_NAMES("ListContainers", "", "", "a(ssso)", SD_BUS_PARAM(containers),
                             MethodListContainers, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ListContainerStates", "b", SD_BUS_PARAM(control_groups), "a(ssussstsita{ss})",
                             SD_BUS_PARAM(containers),
                             MethodListContainerStates, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetContainer", "s", SD_BUS_PARAM(name), "o", SD_BUS_PARAM(path), MethodGetContainer,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("CreateContainer", "ssa{sv}", SD_BUS_PARAM(name) SD_BUS_PARAM(toml) SD_BUS_PARAM(overrides),
                             "o", SD_BUS_PARAM(path), MethodCreateContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RunContainer", "ssa{sv}", SD_BUS_PARAM(name) SD_BUS_PARAM(toml) SD_BUS_PARAM(overrides),
                             "o", SD_BUS_PARAM(path), MethodRunContainer, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("StartContainerWithStdio", "shhh",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(stdin) SD_BUS_PARAM(stdout) SD_BUS_PARAM(stderr), "", "",
                             MethodStartContainerWithStdio, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("StartContainerWithSockets", "shhhahs",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(stdin) SD_BUS_PARAM(stdout) SD_BUS_PARAM(stderr)
                                 SD_BUS_PARAM(listen_fds) SD_BUS_PARAM(listen_fd_names),
                             "", "", MethodStartContainerWithSockets, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("StartContainerWithTerminal", "shqq",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(console_socket) SD_BUS_PARAM(rows) SD_BUS_PARAM(columns),
                             "", "", MethodStartContainerWithTerminal, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RemoveContainer", "sb", SD_BUS_PARAM(name) SD_BUS_PARAM(force), "", "",
                             MethodRemoveContainer, SD_BUS_VTABLE_UNPRIVILEGED),
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
    SD_BUS_METHOD_WITH_NAMES("ExecContainerWithTerminal", "sasasa{sv}",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(argv) SD_BUS_PARAM(env) SD_BUS_PARAM(options),
                             "uh", SD_BUS_PARAM(pid) SD_BUS_PARAM(terminal), MethodExecContainerWithTerminal,
                             SD_BUS_VTABLE_UNPRIVILEGED),
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
#undef BERTH_MANAGER_METHOD

}  // namespace

void AddManagerObject(Daemon& daemon, std::vector<SlotPtr>& slots) {
    sd_bus_slot* slot = nullptr;
    CheckNegErrno(sd_bus_add_object_vtable(daemon.Bus(), &slot, kManagerPath, kManagerInterface, kManagerVtable, &daemon),
                  "Failed to export org.berth1.Manager");
    slots.emplace_back(slot);
}

}  // namespace berth::bus
