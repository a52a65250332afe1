// The standalone Backend: the Manager in this process.
#include <chrono>
#include <optional>

#include "cli/backend.hpp"
#include "cli/manager_access.hpp"
#include "cli/service_notify.hpp"
#include "manager/checkpointing.hpp"
#include "util/log.hpp"
#include "util/time_format.hpp"

namespace berth::cli {
namespace {

class InProcessBackend : public Backend {
public:
    explicit InProcessBackend(const GlobalOptions& global) : global_(global), manager_(MakeManager(global)) {}
    std::string Kind() const override { return "in-process"; }

    std::vector<ContainerSummary> List() override {
        std::vector<ContainerSummary> all;
        for (const auto& entry : manager_.List())
            if (entry.state)
                all.push_back(Summarize(*entry.state));
        return all;
    }
    ContainerSummary Get(const std::string& name) override { return Summarize(manager_.Get(Id(name))); }
    void Create(const std::string& name) override { manager_.Create(manager_.LoadConfig(Id(name))); }
    void Start(const std::string& name) override { manager_.Start(Id(name), {}); }
    void Stop(const std::string& name, std::chrono::microseconds timeout) override {
        manager::ContainerId id = Id(name);
        auto wait = timeout.count() > 0 ? timeout : manager_.Get(id).config.stop_timeout;
        manager_.Stop(id, std::chrono::duration_cast<std::chrono::milliseconds>(wait));
    }
    void Kill(const std::string& name, int signal) override { manager_.Signal(Id(name), signal); }
    void Remove(const std::string& name, bool force) override { manager_.Remove(Id(name), force); }
    void Pause(const std::string& name) override { manager_.Pause(Id(name)); }
    void Resume(const std::string& name) override { manager_.Resume(Id(name)); }
    void Update(const std::string& name, const config::Resources& changes) override {
        manager_.Update(Id(name), changes);
    }
    manager::ContainerState Inspect(const std::string& name) override { return manager_.Get(Id(name)); }
    std::vector<manager::ListEntry> InspectAll() override { return manager_.List(); }
    std::vector<pid_t> Processes(const std::string& name) override { return manager_.Processes(Id(name)); }
    cgroup::Stats Stats(const std::string& name) override { return manager_.Stats(Id(name)); }
    void CreateFrom(const config::ContainerConfig& config) override { manager_.Create(config); }
    int StartAttached(const std::string& name) override {
        manager::RunOptions options;
        options.foreground = true;
        std::optional<manager::Container> container;
        try {
            container.emplace(manager_.Start(Id(name), options));
        } catch (const Error&) {
            manager_.Remove(Id(name), true);
            throw;
        }
        NotifyContainerStarted(name);
        return manager_.StayInForeground(*container);
    }
    int Exec(const std::string& name, const launch::ExecRequest& request) override {
        return manager_.Exec(Id(name), request);
    }
    void Checkpoint(const std::string& name, const checkpoint::CheckpointOptions& options) override {
        manager::CheckpointContainer(global_.state_dir, Id(name), options);
    }
    void Restore(const checkpoint::RestoreOptions& options) override {
        manager::RestoreContainer(global_.state_dir, global_.cgroup_driver, options, false);
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
    // berthd serves the default state dir and search path only; others (tests, --state-dir) are standalone.
    if (global.state_dir == GlobalOptions{}.state_dir && global.config_path.empty() &&
        !(no_daemon && std::string(no_daemon) == "1"))
        if (auto daemon = MakeDaemonBackend()) {
            LogDebug("acting through berthd");
            return daemon;
        }
    LogDebug("acting in-process");
    return MakeInProcessBackend(global);
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
