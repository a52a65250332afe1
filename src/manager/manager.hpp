#pragma once
// Berth's container API (in the spirit of libcontainer's): run, inspect, signal, exec in, pause,
// update and remove containers. State lives in STATE_DIR/NAME/ (see state_store.hpp) so every later
// berthctl or berthd process finds them; operations on one container are serialized by its lock.
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/driver.hpp"
#include "cgroup/oom_watch.hpp"
#include "config/loader.hpp"
#include "config/model.hpp"
#include "launch/launcher.hpp"
#include "manager/container_id.hpp"
#include "manager/errors.hpp"
#include "manager/forwarded_signals.hpp"
#include "manager/state.hpp"
#include "manager/state_store.hpp"

namespace berth::manager {

struct RunOptions {
    launch::Stdio stdio;
    // Foreground: block the forwarded signals before the container starts (see ForwardedSignals),
    // for a later Manager::StayInForeground.
    bool foreground = false;
    // A cgroup driver made in advance (a warm monitor's, of this Manager's kind); null: make one.
    cgroup::Driver* driver = nullptr;
    // OCI create: the init waits right before execve (see start_gate.hpp) and the container is
    // recorded created with its pid; Release lets it go on.
    bool wait_for_start = false;
    // With wait_for_start: the OCI hooks the launch runs (launch::SetupHooks).
    launch::SetupHooks hooks;
    // Socket activation (launch::LaunchOptions::listen_fds): fds 3.. passed into the init.
    int listen_fds = 0;
    std::string listen_fd_names;
    // Watch the memory cgroup for OOM kills from before the container's program starts
    // (Container::OomWatch): an init that is killed at once is noticed too.
    bool watch_oom = false;
    // A writable rootfs's entries and the start time, kept in the state dir, so that `checkpoint
    // --export` can carry what the container changed (checkpoint/rootfs_diff.hpp). Off by default:
    // a directory walk and a file on the start path. The detached starts (berthd's monitor,
    // RunDetached) take it; a foreground run, which nobody else checkpoints as a rule, does not, nor
    // do OCI runtimes, whose callers (podman) diff their own overlay.
    bool rootfs_baseline = false;
    // A terminal container's window size from the start (the relaying client's terminal's).
    launch::WindowSize window;
    // The socket activation fds when they are not on 3.. (launch::LaunchOptions::listen_fd_sources).
    std::vector<int> listen_fd_sources;
};

// A container this process started: owns its init's pidfd (the init is our child) and terminal.
class Container {
public:
    const ContainerState& State() const { return state_; }
    pid_t Pid() const { return state_.pid; }
    int Pidfd() const { return pidfd_.Get(); }
    int TerminalMaster() const { return terminal_master_.Get(); }
    // Armed when RunOptions::watch_oom asked for it, else null.
    cgroup::OomWatch* OomWatch() { return oom_watch_ ? &*oom_watch_ : nullptr; }
    // The pty master, for whoever relays the terminal instead of this process (berthd's monitor).
    UniqueFd TakeTerminalMaster() { return std::move(terminal_master_); }

private:
    friend class Manager;
    ContainerState state_;
    UniqueFd pidfd_;
    UniqueFd terminal_master_;
    std::optional<cgroup::OomWatch> oom_watch_;
    std::unique_ptr<ForwardedSignals> signals_;
};

// One entry of List(): the state, or why it could not be read.
struct ListEntry {
    std::string name;
    std::optional<ContainerState> state;
    std::string error;  // CorruptState text when state is empty
};

class Manager {
public:
    // cgroup_driver: "systemd", "cgroupfs" or "auto" (for new containers; existing ones keep theirs).
    Manager(std::string state_dir, std::string cgroup_driver, config::SearchPath config_path);

    const std::string& StateDir() const { return store_.Root(); }

    // The container NAME's configuration from the search path (NAME.toml + drop-ins).
    config::ContainerConfig LoadConfig(const ContainerId& id) const;

    // Records a container (status created, no process yet). Throws ContainerExists.
    ContainerState Create(const config::ContainerConfig& config);
    // Starts a created container: launches its init as a child of the calling process and records
    // it as running. On failure nothing of the start remains; the container stays created.
    Container Start(const ContainerId& id, const RunOptions& options);
    // Releases the init of a container launched with wait_for_start (status created, pid set):
    // it execs its program, the container is recorded running. Throws InvalidState otherwise.
    // start_state: the state JSON for its startContainer hooks (empty: it has none). Returns once
    // the program runs; throws the init's reason when it failed first (a hook).
    void Release(const ContainerId& id, const std::string& start_state = {});
    // Create + Start; on failure nothing remains at all (no state directory either).
    Container Run(const config::ContainerConfig& config, const RunOptions& options);
    // For a container started with options.foreground: forwards signals, relays its terminal, waits
    // for the init to exit, then destroys the cgroup and removes the state (as `runc run` does).
    // Returns the exit code (128+N when killed by signal N).
    int StayInForeground(Container& container);

    // The recorded state with the live status: a recorded pid whose start time differs (or that is
    // gone) is stopped, a frozen cgroup is paused. Throws NoSuchContainer, CorruptState.
    ContainerState Get(const ContainerId& id) const;
    // Get without reading the configuration (config left default): for callers that show status.
    ContainerState GetStatus(const ContainerId& id) const;
    // Every container in the state dir; unreadable ones carry an error instead of a state.
    std::vector<ListEntry> List() const;

    // Sends sig to the init. Throws InvalidState when it does not run.
    void Signal(const ContainerId& id, int sig);
    // SIGTERM (or the given signal), then SIGKILL after the timeout; returns once the init is gone.
    void Stop(const ContainerId& id, std::chrono::milliseconds timeout, int sig = SIGTERM);
    // Blocks until the container has stopped and its exit code is recorded (a detached init's
    // monitor records it), then returns that code. Throws NoSuchContainer when it is removed first.
    int Wait(const ContainerId& id);
    // Records an exit code observed by whoever reaped the init (berthd's monitor), if that init is
    // still the recorded one; the status becomes stopped.
    void RecordExit(const ContainerId& id, pid_t pid, unsigned long long start_time, int exit_code);
    // Records the oom_kill count of the container's memory cgroup (its monitor watches it), if that
    // init is still the recorded one and the count grew.
    void RecordOomKills(const ContainerId& id, pid_t pid, unsigned long long start_time, uint64_t kills);

    // Starts a process in the running container (a child of the calling process). request.env, when
    // given, adds to / overrides the container's environment.
    launch::Executed StartExec(const ContainerId& id, const launch::ExecRequest& request);
    // StartExec, then forwards signals / relays the terminal until it exits; returns its exit code.
    int Exec(const ContainerId& id, const launch::ExecRequest& request);

    std::vector<pid_t> Processes(const ContainerId& id) const;
    cgroup::Stats Stats(const ContainerId& id) const;
    void Pause(const ContainerId& id);
    void Resume(const ContainerId& id);
    // Changes the given limits live and records them in the container's configuration.
    void Update(const ContainerId& id, const config::Resources& changes);

    // Removes a container: its cgroup and state. A running (or paused) one only with force, which
    // SIGKILLs it first and waits until it is gone. Throws InvalidState without force.
    void Remove(const ContainerId& id, bool force);

private:
    ContainerState ReadLive(const ContainerId& id, bool with_config = true) const;
    ContainerState RequireRunning(const ContainerId& id) const;
    // config.toml is written already; state.toml records the pid and placement before the init
    // may exec (creating), then the start.
    Container Launch(ContainerState state, const RunOptions& options);
    void KillAndWait(const ContainerState& state);
    void Destroy(const ContainerState& state);

    StateStore store_;
    std::string cgroup_driver_;
    config::SearchPath config_path_;
};

// The container's environment with each KEY=VALUE of `overrides` replacing the same KEY (exec --env).
std::vector<std::string> MergeEnvironment(const std::vector<std::string>& base,
                                          const std::vector<std::string>& overrides);

// A Resources with `changes`' set fields applied on top of `base`.
config::Resources MergeResources(const config::Resources& base, const config::Resources& changes);

}  // namespace berth::manager
