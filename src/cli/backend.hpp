#pragma once
// Where berthctl's verbs act: through berthd over the system bus when it is reachable (running or
// activatable), else in-process with the Manager (standalone). The choice is made here, once.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli/verb.hpp"
#include "cgroup/driver.hpp"
#include "checkpoint/checkpoint.hpp"
#include "config/model.hpp"
#include "util/error.hpp"
#include "manager/manager.hpp"

namespace berth::cli {

struct ContainerSummary {
    std::string name;
    std::string state;  // created, running, paused, stopped
    pid_t leader = 0;
    std::string unit;
    std::string rootfs;
    uint64_t created_usec = 0;
    int exit_status = -1;
};

// A foreground run's end, told on stderr when the exit code alone does not say it: an OOM kill
// ("exit_reason oom-kill", as `state` shows for a detached container).
void PrintExitReason(const manager::ContainerState& stopped);

// The summary of a container state, from berthd or the Manager alike (leader 0 unless it runs).
ContainerSummary Summarize(const manager::ContainerState& state);

// What a foreground run hands its container besides this process' stdio.
struct Attachment {
    // The container has a terminal (process.terminal): its pty is relayed to ours, our terminal
    // raw meanwhile, window size changes passed on.
    bool terminal = false;
    launch::WindowSize window;  // the terminal's from the start
    // Socket activation: our fds 3..3+listen_fds-1 become the init's (LISTEN_FDS, LISTEN_FDNAMES).
    int listen_fds = 0;
    std::string listen_fd_names;
};

// Errors keep the Manager's kinds (manager::NoSuchContainer, ContainerExists, InvalidState;
// config::ConfigError text for InvalidConfig), whichever way the call went.
class Backend {
public:
    virtual ~Backend() = default;
    // "berthd" or "in-process", for --debug output.
    virtual std::string Kind() const = 0;
    virtual ContainerSummary Get(const std::string& name) = 0;
    // NAME.toml from the search path.
    virtual void Create(const std::string& name) = 0;
    virtual void Start(const std::string& name) = 0;
    virtual void Kill(const std::string& name, int signal) = 0;
    virtual void Remove(const std::string& name, bool force) = 0;
    virtual void Pause(const std::string& name) = 0;
    virtual void Resume(const std::string& name) = 0;
    virtual void Update(const std::string& name, const config::Resources& changes) = 0;
    // Blocks until the container has stopped; returns its exit code (128+N for signal N).
    virtual int Wait(const std::string& name) = 0;

    // What `state` and `list` print: the state without config and pid start time.
    virtual manager::ContainerState Inspect(const std::string& name) = 0;
    // Every container by name. Unreadable ones carry an error in-process; berthd logs and skips them.
    // Without cgroup paths placement.paths may stay empty (through berthd: two thirds of the reply).
    virtual std::vector<manager::ListEntry> InspectAll(bool with_cgroup_paths) = 0;
    virtual std::vector<pid_t> Processes(const std::string& name) = 0;
    virtual cgroup::Stats Stats(const std::string& name) = 0;

    // Records a container from a full configuration (run --rootfs); Create(name) loads NAME.toml.
    virtual void CreateFrom(const config::ContainerConfig& config) = 0;
    // Detached run: creates (from config if given, else NAME.toml) and starts; a container that
    // does not start is removed again and the error thrown.
    virtual void CreateAndStart(const std::string& name, const config::ContainerConfig* config) {
        if (config)
            CreateFrom(*config);
        else
            Create(name);
        try {
            Start(name);
        } catch (const Error&) {
            Remove(name, true);
            throw;
        }
    }
    // Foreground run of a created container: starts it with this process' stdin, stdout and
    // stderr, passes on TERM, INT, HUP, QUIT, USR1, USR2, waits for its exit, removes it and returns
    // its exit code (128+N for signal N). If it does not start, it is removed and the error thrown.
    virtual int StartAttached(const std::string& name, const Attachment& attachment = {}) = 0;
    // Foreground exec with this process' stdio; signals passed on as above; returns its exit code.
    virtual int Exec(const std::string& name, const launch::ExecRequest& request) = 0;

    // CRIU. Image and work paths must be absolute (berthd does not share our working directory).
    virtual void Checkpoint(const std::string& name, const checkpoint::CheckpointOptions& options) = 0;
    // Restores the checkpoint as options.name, detached. Through berthd its stdio is /dev/null and
    // the journal; in-process it keeps options' fds.
    virtual void Restore(const checkpoint::RestoreOptions& options) = 0;
    // Foreground restore with this process' stdio (as StartAttached): returns the exit code.
    virtual int RestoreAttached(const checkpoint::RestoreOptions& options) = 0;
};

// berthd when global.state_dir and config_path are the defaults and org.berth1 answers or is activatable on the
// system bus (BERTH_NO_DAEMON=1 forces in-process); the in-process Manager otherwise.
std::unique_ptr<Backend> MakeBackend(const GlobalOptions& global);
std::unique_ptr<Backend> MakeInProcessBackend(const GlobalOptions& global);
// nullptr when berthd cannot be reached.
std::unique_ptr<Backend> MakeDaemonBackend();

}  // namespace berth::cli
