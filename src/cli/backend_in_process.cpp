// The standalone Backend: the Manager in this process.
#include <chrono>
#include <iostream>
#include <optional>

#include "cli/backend.hpp"
#include "cli/manager_access.hpp"
#include "cli/rootless_paths.hpp"
#include "cli/service_notify.hpp"
#include "manager/checkpointing.hpp"
#include "manager/detached_run.hpp"
#include "util/log.hpp"
#include "util/time_format.hpp"

namespace berth::cli {
namespace {

class InProcessBackend : public Backend {
public:
    explicit InProcessBackend(const GlobalOptions& global) : global_(global), manager_(MakeManager(global)) {}
    std::string Kind() const override { return "in-process"; }

    ContainerSummary Get(const std::string& name) override { return Summarize(manager_.Get(Id(name))); }
    void Create(const std::string& name) override { manager_.Create(manager_.LoadConfig(Id(name))); }
    void Start(const std::string& name) override { manager_.Start(Id(name), {}); }
    void Kill(const std::string& name, int signal) override { manager_.Signal(Id(name), signal); }
    void Remove(const std::string& name, bool force) override { manager_.Remove(Id(name), force); }
    void Pause(const std::string& name) override { manager_.Pause(Id(name)); }
    void Resume(const std::string& name) override { manager_.Resume(Id(name)); }
    void Update(const std::string& name, const config::Resources& changes) override {
        manager_.Update(Id(name), changes);
    }
    int Wait(const std::string& name) override { return manager_.Wait(Id(name)); }
    manager::ContainerState Inspect(const std::string& name) override { return manager_.Get(Id(name)); }
    std::vector<manager::ListEntry> InspectAll(bool) override { return manager_.List(); }
    std::vector<pid_t> Processes(const std::string& name) override { return manager_.Processes(Id(name)); }
    cgroup::Stats Stats(const std::string& name) override { return manager_.Stats(Id(name)); }
    void CreateFrom(const config::ContainerConfig& config) override { manager_.Create(config); }
    int StartAttached(const std::string& name, const Attachment& attachment) override {
        manager::RunOptions options;
        options.foreground = true;
        options.watch_oom = true;  // an init OOM-killed at once is noticed too
        options.listen_fds = attachment.listen_fds;
        options.listen_fd_names = attachment.listen_fd_names;
        std::optional<manager::Container> container;
        try {
            container.emplace(manager_.Start(Id(name), options));
        } catch (const Error&) {
            manager_.Remove(Id(name), true);
            throw;
        }
        NotifyContainerStarted(name);
        int exit_code = manager_.StayInForeground(*container);
        PrintExitReason(container->State());
        return exit_code;
    }
    int Exec(const std::string& name, const launch::ExecRequest& request) override {
        return manager_.Exec(Id(name), request);
    }
    void Checkpoint(const std::string& name, const checkpoint::CheckpointOptions& options) override {
        manager::CheckpointContainer(global_.state_dir, Id(name), options);
    }
    void Restore(const checkpoint::RestoreOptions& options) override {
        // A monitor is the restored init's parent: output to the log, exit code to the state.
        manager::RestoreDetached(manager_, global_.cgroup_driver, options, ContainerLogDir(global_));
    }
    int RestoreAttached(const checkpoint::RestoreOptions& options) override {
        manager::RestoredContainer restored =
            manager::RestoreContainer(global_.state_dir, global_.cgroup_driver, options, true);
        NotifyContainerStarted(restored.State().name);
        return restored.StayInForeground();
    }

private:
    static manager::ContainerId Id(const std::string& name) { return manager::ContainerId(name); }
    GlobalOptions global_;
    manager::Manager manager_;
};

}  // namespace

std::unique_ptr<Backend> MakeInProcessBackend(const GlobalOptions& global) {
    return std::make_unique<InProcessBackend>(global);
}

std::unique_ptr<Backend> MakeBackend(const GlobalOptions& global) {
    const char* no_daemon = std::getenv("BERTH_NO_DAEMON");
    // berthd serves the default state dir and search path only; others (tests, --state-dir) are standalone,
    // and so is an unprivileged user, whose containers are rootless (berthd's are root's).
    if (!RunningRootless() && global.state_dir == GlobalOptions{}.state_dir && global.config_path.empty() &&
        !(no_daemon && std::string(no_daemon) == "1"))
        if (auto daemon = MakeDaemonBackend()) {
            LogDebug("acting through berthd");
            return daemon;
        }
    LogDebug("acting in-process");
    return MakeInProcessBackend(global);
}

void PrintExitReason(const manager::ContainerState& stopped) {
    if (stopped.status == manager::Status::Stopped && stopped.oom_kills > 0)
        std::cerr << "berthctl run: container " << stopped.name << " was killed by the OOM killer (exit_reason "
                  << "oom-kill, exit code " << stopped.exit_code.value_or(-1) << ")\n";
}

ContainerSummary Summarize(const manager::ContainerState& state) {
    ContainerSummary summary;
    summary.name = state.name;
    summary.state = manager::StatusName(state.status);
    bool live = state.status == manager::Status::Running || state.status == manager::Status::Paused;
    summary.leader = live ? state.pid : 0;
    summary.unit = state.placement.unit;
    summary.rootfs = state.rootfs;
    try {
        summary.created_usec = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                         ParseRfc3339(state.created).time_since_epoch())
                                                         .count());
    } catch (const Error&) {
    }
    summary.exit_status = state.exit_code.value_or(-1);
    return summary;
}

}  // namespace berth::cli
