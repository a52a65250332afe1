// The Backend through berthd: org.berth1 on the system bus (see org.berth1(5)).
#include <poll.h>
#include <sys/syscall.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>

#include "cgroup/bus_util.hpp"
#include "cli/backend.hpp"
#include "cli/service_notify.hpp"
#include "config/loader.hpp"
#include "manager/errors.hpp"
#include "manager/forwarded_signals.hpp"
#include "util/time_format.hpp"

namespace berth::cli {
namespace {

constexpr const char* kDestination = "org.berth1";
constexpr const char* kManagerPath = "/org/berth1";
constexpr const char* kManagerInterface = "org.berth1.Manager";
constexpr const char* kContainerInterface = "org.berth1.Container";
constexpr uint64_t kCallTimeoutUsec = 120ull * 1000 * 1000;

using cgroup::BusError;
using cgroup::BusPtr;
using cgroup::MessagePtr;
using cgroup::SlotPtr;

// Rethrows berthd's named error as the Manager's error kind, so verbs handle both modes alike.
[[noreturn]] void ThrowCallError(const std::string& what, const sd_bus_error& error, int r) {
    std::string message = error.message ? error.message : std::string(what) + ": " + strerror(-r);
    std::string name = error.name ? error.name : "";
    if (name == "org.berth1.Error.NoSuchContainer")
        throw manager::NoSuchContainer(message);
    if (name == "org.berth1.Error.ContainerExists")
        throw manager::ContainerExists(message);
    if (name == "org.berth1.Error.InvalidState")
        throw manager::InvalidState(message);
    throw Error(message);
}

void AppendResources(sd_bus_message* m, const config::Resources& r) {
    sd_bus_message_open_container(m, 'a', "{sv}");
    auto add_t = [m](const char* key, uint64_t value) { sd_bus_message_append(m, "{sv}", key, "t", value); };
    if (r.memory_max)
        add_t("MemoryMax", r.memory_max->bytes);
    if (r.memory_high)
        add_t("MemoryHigh", r.memory_high->bytes);
    if (r.memory_swap_max)
        add_t("MemorySwapMax", r.memory_swap_max->bytes);
    if (r.cpu_weight)
        add_t("CPUWeight", *r.cpu_weight);
    if (r.io_weight)
        add_t("IOWeight", *r.io_weight);
    if (r.tasks_max)
        add_t("TasksMax", *r.tasks_max);
    if (r.cpu_quota)
        sd_bus_message_append(m, "{sv}", "CPUQuota", "u", r.cpu_quota->percent);
    if (r.allowed_cpus)
        sd_bus_message_append(m, "{sv}", "AllowedCPUs", "s", r.allowed_cpus->c_str());
    sd_bus_message_close_container(m);
}

void CheckRead(int r, const char* method) {
    if (r < 0)
        ThrowErrno(-r, std::string("Failed to read berthd's reply to ") + method);
}

std::string ReadString(sd_bus_message* m) {
    const char* s = nullptr;
    CheckRead(sd_bus_message_read(m, "s", &s), "GetAll");
    return s ? s : "";
}

// org.berth1.Container's properties (a GetAll reply) as the Manager's state; config and the
// leader's start time are not exported and stay empty.
manager::ContainerState StateFromProperties(sd_bus_message* m) {
    manager::ContainerState state;
    CheckRead(sd_bus_message_enter_container(m, 'a', "{sv}"), "GetAll");
    while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
        std::string key = ReadString(m);
        const char* type = nullptr;
        CheckRead(sd_bus_message_peek_type(m, nullptr, &type), "GetAll");
        std::string contents = type ? type : "";
        CheckRead(sd_bus_message_enter_container(m, 'v', contents.c_str()), "GetAll");
        if (contents == "s") {
            std::string v = ReadString(m);
            if (key == "Name")
                state.name = v;
            else if (key == "State")
                state.status = manager::StatusFromName(v).value_or(manager::Status::Stopped);
            else if (key == "Unit")
                state.placement.unit = v;
            else if (key == "Rootfs")
                state.rootfs = v;
            else if (key == "NetworkNamespace" && !v.empty())
                state.netns_path = v;
            else if (key == "CgroupDriver")
                state.placement.driver = v;
        } else if (contents == "u" && key == "Leader") {
            uint32_t u = 0;
            CheckRead(sd_bus_message_read(m, "u", &u), "GetAll");
            state.pid = static_cast<pid_t>(u);
        } else if (contents == "t" && key == "CreatedTimestampNSec") {
            uint64_t t = 0;
            CheckRead(sd_bus_message_read(m, "t", &t), "GetAll");
            state.created = FormatRfc3339(std::chrono::system_clock::time_point(
                std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(t))));
        } else if (contents == "i" && key == "ExitStatus") {
            int32_t i = 0;
            CheckRead(sd_bus_message_read(m, "i", &i), "GetAll");
            if (i >= 0)
                state.exit_code = i;
        } else if (contents == "a{ss}" && key == "ControlGroups") {
            CheckRead(sd_bus_message_enter_container(m, 'a', "{ss}"), "GetAll");
            const char *hierarchy = nullptr, *path = nullptr;
            while (sd_bus_message_read(m, "{ss}", &hierarchy, &path) > 0)
                state.placement.paths[hierarchy] = path;
            CheckRead(sd_bus_message_exit_container(m), "GetAll");
        } else {
            CheckRead(sd_bus_message_skip(m, contents.c_str()), "GetAll");
        }
        CheckRead(sd_bus_message_exit_container(m), "GetAll");
        CheckRead(sd_bus_message_exit_container(m), "GetAll");
    }
    return state;
}

class DaemonBackend : public Backend {
public:
    explicit DaemonBackend(BusPtr bus) : bus_(std::move(bus)) {}
    std::string Kind() const override { return "berthd"; }

    std::vector<ContainerSummary> List() override {
        std::vector<ContainerSummary> all;
        for (const auto& entry : InspectAll())
            all.push_back(Summarize(*entry.state));
        return all;
    }

    ContainerSummary Get(const std::string& name) override { return Summarize(Inspect(name)); }

    manager::ContainerState Inspect(const std::string& name) override {
        MessagePtr reply = Call("GetContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "s", name.c_str()); });
        const char* path = nullptr;
        sd_bus_message_read(reply.get(), "o", &path);
        std::string object = path ? path : "";
        BusError error;
        sd_bus_message* raw = nullptr;
        int r = sd_bus_call_method(bus_.get(), kDestination, object.c_str(), "org.freedesktop.DBus.Properties", "GetAll",
                                   error.Get(), &raw, "s", kContainerInterface);
        MessagePtr all(raw);
        if (r < 0)
            ThrowCallError("Failed to read container " + name, *error.Get(), r);
        return StateFromProperties(all.get());
    }

    std::vector<manager::ListEntry> InspectAll() override {
        MessagePtr reply = Call("ListContainers", [](sd_bus_message*) {});
        std::vector<std::string> names;
        sd_bus_message_enter_container(reply.get(), 'a', "(ssso)");
        const char *name, *id, *state, *path;
        while (sd_bus_message_read(reply.get(), "(ssso)", &name, &id, &state, &path) > 0)
            names.emplace_back(name);
        std::vector<manager::ListEntry> all;
        for (const auto& n : names) {
            try {
                all.push_back({n, Inspect(n), ""});
            } catch (const manager::NoSuchContainer&) {
                // Removed between the list and the look-up.
            }
        }
        return all;
    }

    std::vector<pid_t> Processes(const std::string& name) override {
        MessagePtr reply = CallWithName("GetContainerProcesses", name);
        std::vector<pid_t> pids;
        CheckRead(sd_bus_message_enter_container(reply.get(), 'a', "(us)"), "GetContainerProcesses");
        uint32_t pid = 0;
        const char* command_line = nullptr;
        int r;
        while ((r = sd_bus_message_read(reply.get(), "(us)", &pid, &command_line)) > 0)
            pids.push_back(static_cast<pid_t>(pid));
        CheckRead(r, "GetContainerProcesses");
        return pids;
    }

    cgroup::Stats Stats(const std::string& name) override {
        MessagePtr reply = CallWithName("GetContainerStats", name);
        cgroup::Stats s;
        std::map<std::string, uint64_t*> fields = {
            {"MemoryCurrent", &s.memory.usage},   {"MemoryMax", &s.memory.limit},
            {"MemoryPeak", &s.memory.max_usage},  {"MemoryCache", &s.memory.cache},
            {"MemoryAnon", &s.memory.anon},       {"CPUUsageNSec", &s.cpu.total_ns},
            {"CPUUserNSec", &s.cpu.user_ns},      {"CPUSystemNSec", &s.cpu.system_ns},
            {"CPUThrottledPeriods", &s.cpu.throttled_periods},
            {"TasksCurrent", &s.pids.current},    {"TasksMax", &s.pids.limit},
            {"IOReadBytes", &s.io.read_bytes},    {"IOWriteBytes", &s.io.write_bytes},
        };
        sd_bus_message* m = reply.get();
        CheckRead(sd_bus_message_enter_container(m, 'a', "{sv}"), "GetContainerStats");
        int r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
            const char* key = nullptr;
            CheckRead(sd_bus_message_read(m, "s", &key), "GetContainerStats");
            auto field = fields.find(key);
            // Keys this berthctl does not know (a newer berthd) are skipped.
            if (field != fields.end() && sd_bus_message_read(m, "v", "t", field->second) >= 0) {
            } else {
                CheckRead(sd_bus_message_skip(m, "v"), "GetContainerStats");
            }
            CheckRead(sd_bus_message_exit_container(m), "GetContainerStats");
        }
        CheckRead(r, "GetContainerStats");
        return s;
    }

    void Checkpoint(const std::string& name, const checkpoint::CheckpointOptions& options) override {
        Call("CheckpointContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "ss", name.c_str(), options.image_dir.c_str());
            sd_bus_message_open_container(m, 'a', "{sv}");
            auto flag = [m](const char* key, bool value) {
                if (value)
                    sd_bus_message_append(m, "{sv}", key, "b", 1);
            };
            flag("LeaveRunning", options.leave_running);
            flag("PreDump", options.pre_dump);
            if (!options.parent_dir.empty())
                sd_bus_message_append(m, "{sv}", "ParentPath", "s", options.parent_dir.c_str());
            flag("TcpEstablished", options.flags.tcp_established);
            flag("ExtUnixSk", options.flags.ext_unix_sk);
            flag("ShellJob", options.flags.shell_job);
            flag("FileLocks", options.flags.file_locks);
            if (!options.manage_cgroups_mode.empty())
                sd_bus_message_append(m, "{sv}", "ManageCgroupsMode", "s", options.manage_cgroups_mode.c_str());
            if (!options.work_dir.empty())
                sd_bus_message_append(m, "{sv}", "WorkPath", "s", options.work_dir.c_str());
            if (!options.export_path.empty())
                sd_bus_message_append(m, "{sv}", "Export", "s", options.export_path.c_str());
            if (!options.page_server.empty())
                sd_bus_message_append(m, "{sv}", "PageServer", "s", options.page_server.c_str());
            sd_bus_message_close_container(m);
        });
    }

    // RestoreContainer's a{sv}: Import and NetworkNamespace (berthctl sends no WorkPath: see restore.cpp).
    static void AppendRestoreOptions(sd_bus_message* m, const checkpoint::RestoreOptions& options) {
        sd_bus_message_open_container(m, 'a', "{sv}");
        if (!options.import_path.empty())
            sd_bus_message_append(m, "{sv}", "Import", "s", options.import_path.c_str());
        if (!options.netns_path.empty())
            sd_bus_message_append(m, "{sv}", "NetworkNamespace", "s", options.netns_path.c_str());
        sd_bus_message_close_container(m);
    }

    void Restore(const checkpoint::RestoreOptions& options) override {
        Call("RestoreContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "ss", options.name.c_str(), options.image_dir.c_str());
            AppendRestoreOptions(m, options);
        });
    }

    void CreateFrom(const config::ContainerConfig& config) override {
        std::string toml = config::FormatContainerConfig(config);
        Call("CreateContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "ssa{sv}", config.name.c_str(), toml.c_str(), 0);
        });
    }

    void CreateAndStart(const std::string& name, const config::ContainerConfig* config) override {
        // One RunContainer call: berthd removes a container that fails to start.
        std::string toml = config ? config::FormatContainerConfig(*config) : "";
        Call("RunContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "ssa{sv}", name.c_str(), toml.c_str(), 0); });
    }

    int StartAttached(const std::string& name) override {
        return Attached(name, [&] {
            Call("StartContainerWithStdio",
                 [&](sd_bus_message* m) { sd_bus_message_append(m, "shhh", name.c_str(), 0, 1, 2); });
        });
    }

    int RestoreAttached(const checkpoint::RestoreOptions& options) override {
        return Attached(options.name, [&] {
            Call("RestoreContainerWithStdio", [&](sd_bus_message* m) {
                sd_bus_message_append(m, "ss", options.name.c_str(), options.image_dir.c_str());
                AppendRestoreOptions(m, options);
                sd_bus_message_append(m, "hhh", 0, 1, 2);
            });
        });
    }

    int Exec(const std::string& name, const launch::ExecRequest& request) override {
        if (request.terminal)
            throw Error("exec --tty is not available through berthd");
        manager::ForwardedSignals signals;
        std::map<uint32_t, int> exits;
        sd_bus_slot* raw_slot = nullptr;
        int r = sd_bus_match_signal(bus_.get(), &raw_slot, kDestination, kManagerPath, kManagerInterface, "ExecExited",
                                    &OnExecExited, &exits);
        SlotPtr slot(raw_slot);
        if (r < 0)
            ThrowErrno(-r, "Failed to watch berthd's ExecExited signal");
        MessagePtr reply = Call("ExecContainerEx", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "s", name.c_str());
            AppendStrings(m, request.args);
            AppendStrings(m, request.env);
            sd_bus_message_append(m, "hhh", 0, 1, 2);
            sd_bus_message_open_container(m, 'a', "{sv}");
            if (request.cwd)
                sd_bus_message_append(m, "{sv}", "Cwd", "s", request.cwd->c_str());
            sd_bus_message_close_container(m);
        });
        uint32_t pid = 0;
        CheckRead(sd_bus_message_read(reply.get(), "u", &pid), "ExecContainer");
        // Signals go straight to the process (we are root, as the call required); the pidfd makes
        // sure they reach that process and no later one with its pid.
        UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0)));
        while (!exits.count(pid))
            WaitForBusOrSignal(signals, [&](int sig) {
                if (pidfd)
                    syscall(SYS_pidfd_send_signal, pidfd.Get(), sig, nullptr, 0);
            });
        return exits[pid];
    }

    void Create(const std::string& name) override {
        Call("CreateContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "ssa{sv}", name.c_str(), "", 0); });
    }
    void Start(const std::string& name) override { CallWithName("StartContainer", name); }
    void Stop(const std::string& name, std::chrono::microseconds timeout) override {
        Call("StopContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "st", name.c_str(), static_cast<uint64_t>(timeout.count()));
        });
    }
    void Kill(const std::string& name, int signal) override {
        Call("KillContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "si", name.c_str(), signal); });
    }
    void Remove(const std::string& name, bool force) override {
        Call("RemoveContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "sb", name.c_str(), force ? 1 : 0); });
    }
    void Pause(const std::string& name) override { CallWithName("PauseContainer", name); }
    void Resume(const std::string& name) override { CallWithName("ResumeContainer", name); }
    void Update(const std::string& name, const config::Resources& changes) override {
        Call("UpdateContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "s", name.c_str());
            AppendResources(m, changes);
        });
    }

private:
    // Starts the container with start() (which hands it our stdio), passes forwarded signals on,
    // waits for its exit, removes it and returns its exit code; a failed start removes it too.
    template <typename StartFn>
    int Attached(const std::string& name, StartFn start) {
        // Blocked before the start, so no signal meant for the container is lost.
        manager::ForwardedSignals signals;
        bool changed = false;
        sd_bus_slot* raw_slot = nullptr;
        int r = sd_bus_match_signal(bus_.get(), &raw_slot, kDestination, ContainerPath(name).c_str(),
                                    "org.freedesktop.DBus.Properties", "PropertiesChanged", &OnChanged, &changed);
        SlotPtr slot(raw_slot);
        if (r < 0)
            ThrowErrno(-r, "Failed to watch container " + name + " on the bus");
        try {
            start();
        } catch (const Error&) {
            // As in-process: a container that did not start leaves nothing behind.
            try {
                Remove(name, true);
            } catch (const Error&) {
            }
            throw;
        }
        NotifyContainerStarted(name);
        manager::ContainerState state = Inspect(name);
        int unknown_exit_ticks = 0;
        // Re-read on every change, and once a second in case a change went unseen.
        while (IsLive(state) || (state.status == manager::Status::Stopped && !state.exit_code)) {
            bool tick = WaitForBusOrSignal(signals, [&](int sig) {
                try {
                    Kill(name, sig);
                } catch (const manager::InvalidState&) {
                    // Exited meanwhile: the loop sees it next.
                }
            });
            if (!changed && !tick)
                continue;
            changed = false;
            state = Inspect(name);
            if (state.status == manager::Status::Stopped && !state.exit_code && ++unknown_exit_ticks > 10)
                throw Error("Container " + name + " stopped, but berthd recorded no exit status");
        }
        if (state.status == manager::Status::Stopped)
            Remove(name, false);
        return state.exit_code.value_or(0);
    }

    static bool IsLive(const manager::ContainerState& state) {
        return state.status == manager::Status::Running || state.status == manager::Status::Paused ||
               state.status == manager::Status::Created;
    }

    static int OnChanged(sd_bus_message*, void* userdata, sd_bus_error*) {
        *static_cast<bool*>(userdata) = true;
        return 0;
    }

    static int OnExecExited(sd_bus_message* m, void* userdata, sd_bus_error*) {
        const char* name = nullptr;
        uint32_t pid = 0;
        int32_t status = -1;
        if (sd_bus_message_read(m, "sui", &name, &pid, &status) >= 0)
            (*static_cast<std::map<uint32_t, int>*>(userdata))[pid] = status;
        return 0;
    }

    static void AppendStrings(sd_bus_message* m, const std::vector<std::string>& strings) {
        sd_bus_message_open_container(m, 'a', "s");
        for (const auto& s : strings)
            sd_bus_message_append(m, "s", s.c_str());
        sd_bus_message_close_container(m);
    }

    static std::string ContainerPath(const std::string& name) {
        char* raw = nullptr;
        if (sd_bus_path_encode("/org/berth1/container", name.c_str(), &raw) < 0)
            throw Error("Failed to build the object path of container " + name);
        std::string path = raw;
        free(raw);
        return path;
    }

    // Dispatches what the bus has (match callbacks run), hands each forwarded signal to forward
    // (WINCH has no terminal to go to here), and waits for more; true after a quiet second.
    template <typename Forward>
    bool WaitForBusOrSignal(manager::ForwardedSignals& signals, Forward forward) {
        int r = sd_bus_process(bus_.get(), nullptr);
        if (r < 0)
            ThrowErrno(-r, "Failed to read from the bus");
        if (r > 0)
            return false;
        struct pollfd fds[2] = {{sd_bus_get_fd(bus_.get()), static_cast<short>(sd_bus_get_events(bus_.get())), 0},
                                {signals.Fd(), POLLIN, 0}};
        int n = poll(fds, 2, 1000);
        if (n < 0 && errno != EINTR)
            ThrowErrno("Failed to wait for berthd");
        if (n > 0 && fds[1].revents)
            while (auto sig = signals.Next())
                if (*sig != SIGWINCH)
                    forward(*sig);
        return n == 0;
    }

    template <typename Append>
    MessagePtr Call(const char* method, Append append) {
        sd_bus_message* raw = nullptr;
        int r = sd_bus_message_new_method_call(bus_.get(), &raw, kDestination, kManagerPath, kManagerInterface, method);
        MessagePtr call(raw);
        if (r < 0)
            ThrowErrno(-r, std::string("Failed to build the ") + method + " call");
        append(call.get());
        BusError error;
        sd_bus_message* reply = nullptr;
        r = sd_bus_call(bus_.get(), call.get(), kCallTimeoutUsec, error.Get(), &reply);
        if (r < 0)
            ThrowCallError(std::string("Failed to call berthd ") + method, *error.Get(), r);
        return MessagePtr(reply);
    }
    MessagePtr CallWithName(const char* method, const std::string& name) {
        return Call(method, [&](sd_bus_message* m) { sd_bus_message_append(m, "s", name.c_str()); });
    }

    BusPtr bus_;
};

// True when org.berth1 has an owner, or the bus can start berthd for it.
bool DaemonAvailable(sd_bus* bus) {
    BusError error;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", error.Get(), &raw, "s", kDestination);
    MessagePtr reply(raw);
    int has_owner = 0;
    if (r >= 0 && sd_bus_message_read(reply.get(), "b", &has_owner) >= 0 && has_owner)
        return true;
    raw = nullptr;
    r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                           "ListActivatableNames", error.Get(), &raw, "");
    MessagePtr names(raw);
    if (r < 0)
        return false;
    char** list = nullptr;
    if (sd_bus_message_read_strv(names.get(), &list) < 0)
        return false;
    bool found = false;
    for (char** n = list; n && *n; ++n) {
        found = found || strcmp(*n, kDestination) == 0;
        free(*n);
    }
    free(list);
    return found;
}

}  // namespace

std::unique_ptr<Backend> MakeDaemonBackend() {
    sd_bus* raw = nullptr;
    if (sd_bus_open_system(&raw) < 0)
        return nullptr;
    BusPtr bus(raw);
    if (!DaemonAvailable(bus.get()))
        return nullptr;
    return std::make_unique<DaemonBackend>(std::move(bus));
}

}  // namespace berth::cli
