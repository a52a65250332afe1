// The Engine over the Manager: translates its error kinds to the API's and its state to records.
#include "bus/manager_engine.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "bus/monitor.hpp"
#include "manager/checkpointing.hpp"
#include "manager/manager.hpp"
#include "util/file.hpp"
#include "util/time_format.hpp"

namespace berth::bus {

namespace {

using namespace std::chrono_literals;

// How long a Reap waits for the monitor to record the exit status of an init that is gone.
constexpr auto kExitRecordWait = 3s;

manager::ContainerId IdOf(const std::string& name) {
    if (!manager::ContainerId::IsValid(name))
        throw ApiError(ApiErrorKind::InvalidConfig,
                       "Invalid container name '" + name + "': expected [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    return manager::ContainerId(name);
}

// Runs f, turning the Manager's error kinds into the API's.
template <typename F>
auto Translate(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const manager::NoSuchContainer& e) {
        throw ApiError(ApiErrorKind::NoSuchContainer, e.what(), e.Errno());
    } catch (const manager::ContainerExists& e) {
        throw ApiError(ApiErrorKind::ContainerExists, e.what(), e.Errno());
    } catch (const manager::InvalidState& e) {
        throw ApiError(ApiErrorKind::InvalidState, e.what(), e.Errno());
    }
}

uint64_t ToNsec(const std::string& rfc3339) {
    try {
        auto when = ParseRfc3339(rfc3339);
        return static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count());
    } catch (const std::exception&) {
        return 0;
    }
}

std::string CommandLineOf(pid_t pid) {
    std::string raw = ReadFileIfExists("/proc/" + std::to_string(pid) + "/cmdline").value_or("");
    while (!raw.empty() && raw.back() == '\0')
        raw.pop_back();
    for (auto& c : raw)
        if (c == '\0')
            c = ' ';
    return raw;
}

ContainerRecord ToRecord(const manager::ContainerState& state) {
    ContainerRecord record;
    record.name = state.name;
    record.id = state.name;
    record.state = manager::StatusName(state.status);
    bool live = state.status == manager::Status::Running || state.status == manager::Status::Paused;
    record.leader = live ? state.pid : 0;
    record.leader_start_time = live ? state.pid_start_time : 0;
    record.unit = state.placement.unit;
    record.rootfs = state.rootfs;
    record.network_namespace = state.netns_path.value_or("");
    record.created_nsec = ToNsec(state.created);
    record.created_usec = record.created_nsec / 1000;
    record.cgroup_driver = state.placement.driver;
    record.control_groups = state.placement.paths;
    record.exit_status = state.exit_code.value_or(-1);
    record.oom_kills = state.oom_kills;
    return record;
}

class ManagerEngine : public Engine {
public:
    explicit ManagerEngine(const EngineSettings& settings)
        : settings_(settings),
          manager_(settings.state_dir, settings.cgroup_driver,
                   settings.config_path.empty() ? config::SearchPath::DefaultContainers()
                                                : config::SearchPath::Parse(settings.config_path)) {}

    std::vector<std::string> List() override {
        std::vector<std::string> names;
        for (const auto& entry : manager_.List())
            names.push_back(entry.name);
        return names;
    }

    ContainerRecord Load(const std::string& name) override {
        return Translate([&] { return ToRecord(manager_.Get(IdOf(name))); });
    }

    ContainerRecord Create(const std::string& name, const std::string& toml, const Options& overrides) override {
        return Translate([&] {
            manager::ContainerId id = IdOf(name);
            config::ContainerConfig config;
            try {
                config = toml.empty() ? manager_.LoadConfig(id)
                                      : config::ParseContainerConfigString(name, toml, "CreateContainer");
            } catch (const config::ConfigError&) {
                throw;
            } catch (const Error& e) {
                // No NAME.toml on the search path (or unreadable): the configuration is what is wrong.
                throw ApiError(ApiErrorKind::InvalidConfig, e.what(), e.Errno());
            }
            ApplyCreateOverrides(overrides, config);
            config.name = name;
            if (!overrides.empty())
                config::ValidateContainerConfig(config, "CreateContainer overrides");
            return ToRecord(manager_.Create(config));
        });
    }

    ContainerRecord Start(const std::string& name, ExecFds stdio) override {
        return Translate([&] {
            manager::ContainerId id = IdOf(name);
            // The monitor's Manager::Start checks existence and state under the container's lock.
            UniqueFd monitor = StartWithMonitor(settings_, name, RestoreSource{}, stdio);
            return SettledRecord(id, monitor);
        });
    }

    ContainerRecord Stop(const std::string& name, std::chrono::microseconds timeout) override {
        return Translate([&] {
            manager::ContainerId id = IdOf(name);
            manager::ContainerState state = manager_.Get(id);
            if (state.status != manager::Status::Running && state.status != manager::Status::Paused)
                throw ApiError(ApiErrorKind::InvalidState,
                               "Container " + name + " is " + manager::StatusName(state.status) + ", not running");
            auto wait = timeout.count() > 0 ? timeout : state.config.stop_timeout;
            manager_.Stop(id, std::chrono::duration_cast<std::chrono::milliseconds>(wait));
            return WaitForExitRecord(id);
        });
    }

    ContainerRecord Kill(const std::string& name, int signal) override {
        return Translate([&] {
            manager::ContainerId id = IdOf(name);
            manager_.Signal(id, signal);
            return ToRecord(manager_.Get(id));
        });
    }

    void Remove(const std::string& name, bool force) override {
        Translate([&] { manager_.Remove(IdOf(name), force); });
    }

    ContainerRecord Pause(const std::string& name) override {
        return Translate([&] {
            manager::ContainerId id = IdOf(name);
            manager_.Pause(id);
            return ToRecord(manager_.Get(id));
        });
    }

    ContainerRecord Resume(const std::string& name) override {
        return Translate([&] {
            manager::ContainerId id = IdOf(name);
            manager_.Resume(id);
            return ToRecord(manager_.Get(id));
        });
    }

    ContainerRecord Update(const std::string& name, const Options& resources) override {
        return Translate([&] {
            manager::ContainerId id = IdOf(name);
            config::Resources changes;
            ApplyResourceOptions(resources, changes, true);
            manager_.Update(id, changes);
            return ToRecord(manager_.Get(id));
        });
    }

    ExecStarted Exec(const std::string& name, const std::vector<std::string>& argv, const std::vector<std::string>& env,
                     const std::string& cwd, ExecFds fds) override {
        return Translate([&] {
            launch::ExecRequest request;
            request.args = argv;
            request.env = env;
            if (!cwd.empty())
                request.cwd = cwd;
            request.stdio = {fds.in, fds.out, fds.err};
            request.terminal = fds.terminal;
            request.window = {fds.rows, fds.columns};
            launch::Executed executed = manager_.StartExec(IdOf(name), request);
            // The process is berthd's child: the daemon reaps it and announces its exit (ExecExited).
            return ExecStarted{executed.pid, std::make_shared<UniqueFd>(std::move(executed.pidfd)),
                               std::make_shared<UniqueFd>(std::move(executed.terminal_master))};
        });
    }

    std::vector<ProcessInfo> Processes(const std::string& name) override {
        return Translate([&] {
            std::vector<ProcessInfo> processes;
            for (pid_t pid : manager_.Processes(IdOf(name)))
                processes.push_back({pid, CommandLineOf(pid)});
            return processes;
        });
    }

    cgroup::Stats Stats(const std::string& name) override {
        return Translate([&] { return manager_.Stats(IdOf(name)); });
    }

    void Checkpoint(const std::string& name, const std::string& image_path, const Options& options) override {
        Translate([&] {
            checkpoint::CheckpointOptions checkpoint;
            checkpoint.image_dir = image_path;
            for (const auto& [key, value] : options) {
                const bool* flag = std::get_if<bool>(&value);
                const std::string* text = std::get_if<std::string>(&value);
                if (key == "LeaveRunning" && flag)
                    checkpoint.leave_running = *flag;
                else if (key == "PreDump" && flag)
                    checkpoint.pre_dump = *flag;
                else if (key == "ParentPath" && text)
                    checkpoint.parent_dir = *text;
                else if (key == "Export" && text)
                    checkpoint.export_path = *text;
                else if (key == "PageServer" && text)
                    checkpoint.page_server = *text;
                else if (key == "TcpEstablished" && flag)
                    checkpoint.flags.tcp_established = *flag;
                else if (key == "ExtUnixSk" && flag)
                    checkpoint.flags.ext_unix_sk = *flag;
                else if (key == "ShellJob" && flag)
                    checkpoint.flags.shell_job = *flag;
                else if (key == "FileLocks" && flag)
                    checkpoint.flags.file_locks = *flag;
                else if (key == "ManageCgroupsMode" && text)
                    checkpoint.manage_cgroups_mode = *text;
                else if (key == "WorkPath" && text)
                    checkpoint.work_dir = *text;
                else
                    throw ApiError(ApiErrorKind::InvalidConfig, "option " + key + ": unknown checkpoint option or "
                                                                "wrong type (LeaveRunning, PreDump, TcpEstablished, "
                                                                "ExtUnixSk, ShellJob, FileLocks: b; ManageCgroupsMode, "
                                                                "WorkPath, ParentPath, Export, PageServer: s)");
            }
            manager::CheckpointContainer(settings_.state_dir, IdOf(name), checkpoint);
        });
    }

    ContainerRecord Restore(const std::string& name, const std::string& image_path, const Options& options,
                            ExecFds stdio) override {
        return Translate([&] {
            manager::ContainerId id = IdOf(name);
            RestoreSource source{image_path, "", ""};
            for (const auto& [key, value] : options) {
                const std::string* text = std::get_if<std::string>(&value);
                if (key == "Import" && text)
                    source.import_path = *text;
                else if (key == "NetworkNamespace" && text)
                    source.netns_path = *text;
                else
                    throw ApiError(ApiErrorKind::InvalidConfig, "option " + key + ": unknown restore option or "
                                                                "wrong type (Import, NetworkNamespace: s)");
            }
            if (source.image_dir.empty() == source.import_path.empty())
                throw ApiError(ApiErrorKind::InvalidConfig,
                               "RestoreContainer needs exactly one of image_path and the Import option");
            // The restored init must be the monitor's child, as a started one is.
            UniqueFd monitor = StartWithMonitor(settings_, name, source, stdio);
            return SettledRecord(id, monitor);
        });
    }

    ContainerRecord Reap(const std::string& name) override {
        return Translate([&] { return WaitForExitRecord(IdOf(name)); });
    }

private:
    // The record after a start: an init that exited already is being recorded by its monitor
    // right now; wait for its exit status rather than announce "stopped" without one. The monitor
    // closes its status channel once the status is recorded.
    ContainerRecord SettledRecord(const manager::ContainerId& id, const UniqueFd& monitor) {
        manager::ContainerState state = manager_.GetStatus(id);
        if (state.status != manager::Status::Stopped || state.exit_code)
            return ToRecord(state);
        struct pollfd recorded = {monitor.Get(), POLLIN, 0};
        int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kExitRecordWait).count());
        while (poll(&recorded, 1, ms) < 0 && errno == EINTR) {
        }
        return WaitForExitRecord(id);
    }

    // The init is gone (or going): give its monitor a moment to record the exit status.
    ContainerRecord WaitForExitRecord(const manager::ContainerId& id) {
        auto deadline = std::chrono::steady_clock::now() + kExitRecordWait;
        // The monitor records right after reaping: look again soon, then less often.
        auto pause = 1ms;
        for (;;) {
            manager::ContainerState state = manager_.GetStatus(id);
            bool settled = state.status != manager::Status::Running && state.status != manager::Status::Paused &&
                           state.exit_code.has_value();
            if (settled || std::chrono::steady_clock::now() >= deadline)
                return ToRecord(state);
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::milliseconds(20));
        }
    }

    EngineSettings settings_;
    manager::Manager manager_;
};

}  // namespace

std::unique_ptr<Engine> MakeManagerEngine(const EngineSettings& settings) {
    return std::make_unique<ManagerEngine>(settings);
}

}  // namespace berth::bus
