#include "manager/manager.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "cgroup/machine_registration.hpp"
#include "cgroup/cgroupfs_driver.hpp"
#include "checkpoint/rootfs_diff.hpp"
#include "launch/rootless.hpp"
#include "manager/container_lock.hpp"
#include "manager/foreground.hpp"
#include "manager/oom_tracker.hpp"
#include "manager/init_process.hpp"
#include "manager/start_gate.hpp"
#include "util/file.hpp"
#include "util/phase_marker.hpp"
#include "util/proc_stat.hpp"
#include "util/time_format.hpp"

namespace berth::manager {
namespace {

// How long a SIGKILLed init may take to go away before rm gives up with an error.
constexpr std::chrono::seconds kKillTimeout{10};

bool IsLive(Status status) { return status == Status::Running || status == Status::Paused; }

// A created container whose init already waits at its start gate (berth-runtime create).
bool IsGated(const ContainerState& state) { return state.status == Status::Created && state.pid > 0; }

// Has an init process that may still run: live, or waiting at its start gate.
bool HasInit(const ContainerState& state) { return IsLive(state.status) || IsGated(state); }

ContainerState NewState(const config::ContainerConfig& requested) {
    // Rootless: recorded with its user namespace, which exec joins too.
    const config::ContainerConfig config = launch::WithRootlessUserNamespace(requested);
    ContainerState state;
    state.name = ContainerId(config.name).str();
    state.status = Status::Created;
    state.rootfs = config.rootfs;
    state.created = FormatRfc3339(std::chrono::system_clock::now());
    if (const config::NamespaceConfig* net = config.FindNamespace(config::NamespaceKind::Net); net && net->path)
        state.netns_path = net->path;
    state.config = config;
    return state;
}

std::unique_ptr<cgroup::Driver> DriverOf(const ContainerState& state) {
    if (state.placement.driver.empty())
        return nullptr;
    return cgroup::DriverFor(state.placement);
}

}  // namespace

Manager::Manager(std::string state_dir, std::string cgroup_driver, config::SearchPath config_path)
    : store_(std::move(state_dir)), cgroup_driver_(std::move(cgroup_driver)), config_path_(std::move(config_path)) {}

config::ContainerConfig Manager::LoadConfig(const ContainerId& id) const {
    return config::LoadContainerConfig(id.str(), config_path_);
}

ContainerState Manager::Create(const config::ContainerConfig& config) {
    ContainerState state = NewState(config);
    ContainerId id(state.name);
    for (int attempt = 0;; ++attempt) {
        store_.EnsureDir(id);
        try {
            ContainerLock lock(store_.Dir(id));
            if (store_.HasState(id))
                throw ContainerExists("Container " + id.str() + " already exists");
            store_.Write(state);
            return state;
        } catch (const NoSuchContainer&) {
            // Removed between our mkdir and our lock: create it again.
            if (attempt >= 3)
                throw;
        }
    }
}

Container Manager::Start(const ContainerId& id, const RunOptions& options) {
    if (!PathExists(store_.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerLock lock(store_.Dir(id));
    ContainerState state = ReadLive(id);
    if (state.status != Status::Created)
        throw InvalidState("Container " + id.str() + " is " + StatusName(state.status) + ", not created");
    if (IsGated(state))
        throw InvalidState("Container " + id.str() + " waits for `berth-runtime start`");
    try {
        return Launch(state, options);
    } catch (...) {
        // The launcher took down what it made; the record of its pid (creating) goes too.
        store_.WriteStateOnly(state);
        throw;
    }
}

Container Manager::Run(const config::ContainerConfig& config, const RunOptions& options) {
    ContainerState state = NewState(config);
    ContainerId id(state.name);
    for (int attempt = 0;; ++attempt) {
        store_.EnsureDir(id);
        try {
            ContainerLock lock(store_.Dir(id));
            if (store_.HasState(id))
                throw ContainerExists("Container " + id.str() + " already exists");
            PhaseMarker("run-locked");
            try {
                // Recorded before anything exists, so that a kill of this process at any later
                // point leaves an entry `list` shows and `rm --force` removes (see Status::Creating).
                ContainerState creating = state;
                creating.status = Status::Creating;
                store_.Write(creating);
                PhaseMarker("run-recorded-creating");
                return Launch(state, options);
            } catch (...) {
                store_.Remove(id);
                throw;
            }
        } catch (const NoSuchContainer&) {
            if (attempt >= 3)
                throw;
        }
    }
}

Container Manager::Launch(ContainerState state, const RunOptions& options) {
    Container container;
    if (options.foreground)
        container.signals_ = std::make_unique<ForwardedSignals>();
    std::unique_ptr<cgroup::Driver> made = options.driver ? nullptr : cgroup::MakeDriver(cgroup_driver_);
    cgroup::Driver* driver = options.driver ? options.driver : made.get();
    launch::LaunchOptions launch_options;
    launch_options.container_id = state.name;
    launch_options.stdio = options.stdio;
    launch_options.want_terminal_master = state.config.process.terminal;
    launch_options.window = options.window;
    launch_options.listen_fds = options.listen_fds;
    launch_options.listen_fd_names = options.listen_fd_names;
    launch_options.listen_fd_sources = options.listen_fd_sources;
    StartGate gate;
    if (options.wait_for_start) {
        gate = MakeStartGate(store_.Dir(ContainerId(state.name)));
        launch_options.start_gate = gate.gate.Get();
        launch_options.start_result = gate.result.Get();
        launch_options.hooks = options.hooks;
    }
    launch_options.on_placed = [&](pid_t pid, unsigned long long start_time, const cgroup::Placement& placement) {
        ContainerState placed = state;
        placed.status = Status::Creating;
        placed.pid = pid;
        placed.pid_start_time = start_time;
        placed.placement = placement;
        store_.WriteStateOnly(placed);
        if (options.watch_oom)
            container.oom_watch_.emplace(placement);
        PhaseMarker("run-recorded-placement");
    };
    if (options.rootfs_baseline && !state.config.rootfs_readonly)
        WriteFileAtomic(store_.Dir(ContainerId(state.name)) + "/" + checkpoint::kRootfsBaselineFile,
                        checkpoint::FormatRootfsBaseline(checkpoint::TakeRootfsBaseline(state.config.rootfs)), 0600,
                        Durability::RuntimeOnly);
    launch::Launched launched = launch::Launch(state.config, *driver, launch_options);
    PhaseMarker("run-launched");

    state.pid = launched.pid;
    state.pid_start_time = launched.start_time ? launched.start_time : ProcessStartTime(launched.pid).value_or(0);
    state.placement = launched.placement;
    state.status = options.wait_for_start ? Status::Created : Status::Running;
    try {
        store_.WriteStateOnly(state);
    } catch (...) {
        // Unrecorded, nobody could ever find it again: take it down.
        SendSignal(launched.pidfd.Get(), launched.pid, SIGKILL);
        ReapChild(launched.pidfd.Get(), launched.pid);
        driver->Destroy(launched.placement);
        throw;
    }
    PhaseMarker("run-recorded");
    cgroup::RegisterMachine(state.placement, state.name, state.pid, state.rootfs);
    container.state_ = std::move(state);
    container.pidfd_ = std::move(launched.pidfd);
    container.terminal_master_ = std::move(launched.terminal_master);
    return container;
}

int Manager::StayInForeground(Container& container) {
    if (!container.signals_)
        throw InvalidState("Container " + container.state_.name + " was not started in the foreground");
    ContainerId id(container.state_.name);
    // The OOM watch armed before the program started (RunOptions::watch_oom), if any.
    MonitoredInit init{id, container.Pid(), container.state_.pid_start_time, container.Pidfd(),
                       container.OomWatch()};
    OomTracker oom(*this, init);
    ForegroundProcess process{container.Pid(), container.Pidfd(), container.TerminalMaster(), &oom};
    int exit_code = manager::StayInForeground(process, *container.signals_);
    PhaseMarker("run-reaped");
    container.state_.status = Status::Stopped;
    container.state_.exit_code = exit_code;
    container.state_.oom_kills = oom.Kills();
    try {
        // The exit on record (as a monitor's) before the state goes: berthd, following the state
        // directory, announces the oom and exit as for a detached container.
        RecordExit(id, init.pid, init.start_time, exit_code);
        ContainerLock lock(store_.Dir(id));
        ContainerState recorded = store_.ReadStateOnly(id);
        // `rm --force` may have removed it and a new container taken the name meanwhile.
        if (recorded.pid == container.state_.pid && recorded.pid_start_time == container.state_.pid_start_time) {
            Destroy(recorded);
            PhaseMarker("run-destroyed");
            store_.Remove(id);
        }
    } catch (const NoSuchContainer&) {
        // Already removed (rm --force): its cgroup went with it.
    } catch (const CorruptState&) {
        Destroy(container.state_);
        store_.Remove(id);
    }
    container.signals_.reset();
    return exit_code;
}

ContainerState Manager::ReadLive(const ContainerId& id, bool with_config) const {
    ContainerState state = with_config ? store_.Read(id) : store_.ReadStateOnly(id);
    if (IsGated(state) && !InitAlive(state.pid, state.pid_start_time))
        state.status = Status::Stopped;
    if (!IsLive(state.status))
        return state;
    if (!InitAlive(state.pid, state.pid_start_time)) {
        state.status = Status::Stopped;
        return state;
    }
    state.status = Status::Running;
    try {
        if (std::unique_ptr<cgroup::Driver> driver = DriverOf(state); driver && driver->IsFrozen(state.placement))
            state.status = Status::Paused;
    } catch (const Error&) {
        // No freezer to ask (cgroup gone meanwhile): running is what the process says.
    }
    return state;
}

ContainerState Manager::Get(const ContainerId& id) const { return ReadLive(id); }

ContainerState Manager::GetStatus(const ContainerId& id) const { return ReadLive(id, false); }

std::vector<ListEntry> Manager::List() const {
    std::vector<ListEntry> entries;
    for (const std::string& name : store_.Names()) {
        ListEntry entry;
        entry.name = name;
        try {
            // The state file alone: a listing shows no configuration, and parsing each one's
            // would be most of list's time with many containers.
            entry.state = ReadLive(ContainerId(name), /*with_config=*/false);
        } catch (const NoSuchContainer&) {
            continue;  // removed while we listed
        } catch (const Error& e) {
            entry.error = e.what();
        }
        entries.push_back(std::move(entry));
    }
    for (const std::string& name : store_.AbandonedNames()) {
        ListEntry entry;
        entry.name = name;
        entry.error = "Incomplete container state: " + store_.StateFile(ContainerId(name)) +
                      " is missing (its creation was interrupted); `rm --force " + name + "` removes it";
        entries.push_back(std::move(entry));
    }
    std::sort(entries.begin(), entries.end(), [](const ListEntry& a, const ListEntry& b) { return a.name < b.name; });
    return entries;
}

ContainerState Manager::RequireRunning(const ContainerId& id) const {
    ContainerState state = ReadLive(id);
    if (state.status != Status::Running)
        throw InvalidState("Container " + id.str() + " is " + StatusName(state.status) + ", not running");
    return state;
}

void Manager::Signal(const ContainerId& id, int sig) {
    if (!PathExists(store_.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerState state = ReadLive(id);
    UniqueFd pidfd = HasInit(state) ? OpenInitPidfd(state.pid, state.pid_start_time) : UniqueFd();
    if (!pidfd)
        throw InvalidState("Container " + id.str() + " is not running");
    SendSignal(pidfd.Get(), state.pid, sig);
}

void Manager::Release(const ContainerId& id, const std::string& start_state) {
    if (!PathExists(store_.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerLock lock(store_.Dir(id));
    ContainerState state = ReadLive(id);
    if (!IsGated(state))
        throw InvalidState("Container " + id.str() + " is " + StatusName(state.status) + ", not created");
    OpenStartGate(store_.Dir(id), start_state);
    state.status = Status::Running;
    store_.WriteStateOnly(state);
}

void Manager::Stop(const ContainerId& id, std::chrono::milliseconds timeout, int sig) {
    if (!PathExists(store_.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerLock lock(store_.Dir(id));
    ContainerState state = ReadLive(id);
    UniqueFd pidfd = IsLive(state.status) ? OpenInitPidfd(state.pid, state.pid_start_time) : UniqueFd();
    if (!pidfd)
        return;
    if (state.status == Status::Paused) {
        // A frozen init cannot act on SIGTERM: the stop timeout would always run out.
        KillAndWait(state);
        return;
    }
    SendSignal(pidfd.Get(), state.pid, sig);
    if (!WaitForPidfdExit(pidfd.Get(), timeout))
        KillAndWait(state);
}

void Manager::RecordExit(const ContainerId& id, pid_t pid, unsigned long long start_time, int exit_code) {
    ContainerLock lock(store_.Dir(id));
    ContainerState state = store_.ReadStateOnly(id);
    if (state.pid != pid || state.pid_start_time != start_time)
        return;
    state.status = Status::Stopped;
    state.exit_code = exit_code;
    store_.WriteStateOnly(state);
}

void Manager::RecordOomKills(const ContainerId& id, pid_t pid, unsigned long long start_time, uint64_t kills) {
    ContainerLock lock(store_.Dir(id));
    ContainerState state = store_.ReadStateOnly(id);
    if (state.pid != pid || state.pid_start_time != start_time || state.oom_kills >= kills)
        return;
    state.oom_kills = kills;
    store_.WriteStateOnly(state);
}

void Manager::KillAndWait(const ContainerState& state) {
    UniqueFd pidfd = OpenInitPidfd(state.pid, state.pid_start_time);
    if (!pidfd)
        return;
    SendSignal(pidfd.Get(), state.pid, SIGKILL);
    if (std::unique_ptr<cgroup::Driver> driver = DriverOf(state)) {
        try {
            // Frozen tasks (cgroup v1) do not die before they are thawed.
            if (driver->IsFrozen(state.placement))
                driver->Thaw(state.placement);
        } catch (const Error&) {
        }
    }
    if (!WaitForPidfdExit(pidfd.Get(), kKillTimeout))
        throw Error("Failed to stop container " + state.name + ": pid " + std::to_string(state.pid) +
                    " still runs " + std::to_string(kKillTimeout.count()) + " s after SIGKILL");
}

void Manager::Destroy(const ContainerState& state) {
    if (std::unique_ptr<cgroup::Driver> driver = DriverOf(state))
        driver->Destroy(state.placement);
}

launch::Executed Manager::StartExec(const ContainerId& id, const launch::ExecRequest& request) {
    if (!PathExists(store_.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerLock lock(store_.Dir(id));
    ContainerState state = RequireRunning(id);
    std::unique_ptr<cgroup::Driver> driver = cgroup::DriverFor(state.placement);
    PhaseMarker("exec-locked");
    launch::ExecRequest with_env = request;
    if (!request.env.empty())
        with_env.env = MergeEnvironment(state.config.process.env, request.env);
    launch::Executed executed = launch::Exec(state.config, state.pid, state.placement, *driver, with_env);
    PhaseMarker("exec-started");
    return executed;
}

int Manager::Exec(const ContainerId& id, const launch::ExecRequest& request) {
    ForwardedSignals signals;
    launch::Executed executed = StartExec(id, request);
    int exit_code =
        manager::StayInForeground({executed.pid, executed.pidfd.Get(), executed.terminal_master.Get()}, signals);
    PhaseMarker("exec-reaped");
    return exit_code;
}

std::vector<pid_t> Manager::Processes(const ContainerId& id) const {
    ContainerState state = ReadLive(id);
    std::unique_ptr<cgroup::Driver> driver = DriverOf(state);
    if (!driver)
        return {};
    return driver->Pids(state.placement);
}

cgroup::Stats Manager::Stats(const ContainerId& id) const {
    ContainerState state = ReadLive(id);
    if (!IsLive(state.status))
        throw InvalidState("Container " + id.str() + " is " + StatusName(state.status) + ", not running");
    return cgroup::DriverFor(state.placement)->ReadStats(state.placement);
}

void Manager::Pause(const ContainerId& id) {
    if (!PathExists(store_.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerLock lock(store_.Dir(id));
    ContainerState state = RequireRunning(id);
    cgroup::DriverFor(state.placement)->Freeze(state.placement);
    state.status = Status::Paused;
    store_.WriteStateOnly(state);
}

void Manager::Resume(const ContainerId& id) {
    if (!PathExists(store_.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerLock lock(store_.Dir(id));
    ContainerState state = ReadLive(id);
    if (state.status != Status::Paused)
        throw InvalidState("Container " + id.str() + " is " + StatusName(state.status) + ", not paused");
    cgroup::DriverFor(state.placement)->Thaw(state.placement);
    state.status = Status::Running;
    store_.WriteStateOnly(state);
}

void Manager::Update(const ContainerId& id, const config::Resources& changes) {
    if (!PathExists(store_.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerLock lock(store_.Dir(id));
    ContainerState state = ReadLive(id);
    if (!IsLive(state.status))
        throw InvalidState("Container " + id.str() + " is " + StatusName(state.status) + ", not running");
    // Before anything changes: a limit a file may not set, an update may not set either.
    config::ValidateResourceChanges(changes, "update of container " + id.str());
    cgroup::DriverFor(state.placement)->Update(state.placement, changes);
    state.config.resources = MergeResources(state.config.resources, changes);
    store_.Write(state);
}

void Manager::Remove(const ContainerId& id, bool force) {
    if (!PathExists(store_.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerLock lock(store_.Dir(id));
    ContainerState state;
    try {
        state = ReadLive(id, false);  // its pid and placement are all removing needs
    } catch (const NoSuchContainer&) {
        // A directory without state: a creation that died half-way, maybe after making its cgroups.
        cgroup::CgroupfsDriver().DestroyLeftovers(id.str());
        store_.Remove(id);
        return;
    } catch (const CorruptState&) {
        if (!force)
            throw;
        cgroup::CgroupfsDriver().DestroyLeftovers(id.str());
        store_.Remove(id);
        return;
    }
    if (state.status == Status::Creating) {
        // Its creator died half-way (it holds the lock while it creates): take down what it made.
        if (!force && state.pid > 0 && InitAlive(state.pid, state.pid_start_time))
            throw InvalidState("Container " + id.str() + " was left half-created with a running init: remove it with --force");
        KillAndWait(state);
        Destroy(state);
        cgroup::CgroupfsDriver().DestroyLeftovers(id.str());
        store_.Remove(id);
        return;
    }
    if (IsGated(state)) {
        // Deleting a created container takes its waiting init down (runc's delete does too).
        KillAndWait(state);
    } else if (IsLive(state.status)) {
        if (!force)
            throw InvalidState("Container " + id.str() + " is " + StatusName(state.status) +
                               ": stop it first or remove it with --force");
        KillAndWait(state);
    }
    Destroy(state);
    store_.Remove(id);
}

std::vector<std::string> MergeEnvironment(const std::vector<std::string>& base,
                                          const std::vector<std::string>& overrides) {
    std::vector<std::string> merged = base;
    for (const std::string& entry : overrides) {
        const std::string key = entry.substr(0, entry.find('=') + 1);
        auto same_key = [&](const std::string& existing) { return existing.rfind(key, 0) == 0; };
        merged.erase(std::remove_if(merged.begin(), merged.end(), same_key), merged.end());
        merged.push_back(entry);
    }
    return merged;
}

config::Resources MergeResources(const config::Resources& base, const config::Resources& changes) {
    config::Resources merged = base;
    auto take = [](auto& into, const auto& from) {
        if (from)
            into = from;
    };
    take(merged.memory_max, changes.memory_max);
    take(merged.memory_high, changes.memory_high);
    take(merged.memory_swap_max, changes.memory_swap_max);
    take(merged.cpu_weight, changes.cpu_weight);
    take(merged.cpu_quota, changes.cpu_quota);
    take(merged.tasks_max, changes.tasks_max);
    take(merged.io_weight, changes.io_weight);
    take(merged.allowed_cpus, changes.allowed_cpus);
    take(merged.memory_low, changes.memory_low);
    take(merged.memory_swappiness, changes.memory_swappiness);
    take(merged.oom_kill_disable, changes.oom_kill_disable);  // an update can set it, never clear it
    take(merged.allowed_mems, changes.allowed_mems);
    if (!changes.hugepage_limits.empty())
        merged.hugepage_limits = changes.hugepage_limits;
    for (const auto& [key, value] : changes.unified)
        merged.unified[key] = value;
    if (!changes.devices.empty())
        merged.devices = changes.devices;
    return merged;
}

int Manager::Wait(const ContainerId& id) {
    // The exit is recorded just after the init is gone; one that never is fails the wait.
    constexpr int kUnrecordedExitTicks = 10;
    int unrecorded = 0;
    for (;;) {
        ContainerState state = GetStatus(id);
        if (state.status == Status::Stopped && state.exit_code)
            return *state.exit_code;
        if (state.status == Status::Stopped && ++unrecorded > kUnrecordedExitTicks)
            throw Error("Container " + id.str() + " stopped, but no exit status was recorded");
        UniqueFd pidfd = OpenInitPidfd(state.pid, state.pid_start_time);
        if (pidfd)
            WaitForPidfdExit(pidfd.Get(), std::nullopt);
        else
            std::this_thread::sleep_for(std::chrono::seconds(1));  // not started yet, or its exit being recorded
    }
}

}  // namespace berth::manager
