#include "manager/detached_run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <functional>
#include <optional>

#include "cgroup/systemd_manager.hpp"
#include "manager/checkpointing.hpp"
#include "manager/container_monitor.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/log.hpp"
#include "util/phase_marker.hpp"

namespace berth::manager {
namespace {

// The monitor reports "OK NAME\n" once the container runs, else the error.
constexpr const char kStarted[] = "OK ";

void Report(int fd, const std::string& text) {
    for (size_t done = 0; done < text.size();) {
        ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += static_cast<size_t>(n);
    }
}

std::pair<UniqueFd, UniqueFd> Pipe(const std::string& what) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        ThrowErrno("Failed to create the " + what + " pipe");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Starts the container with the given stdio and returns its init (our child); the object owning
// the init's pidfd stays alive in the caller's frame.
using StartInit = std::function<MonitoredInit(const launch::Stdio& stdio)>;

// The monitor's body: start the container with its output on pipes, report, then relay and reap.
int Monitor(Manager& manager, const StartInit& start, const std::string& log_dir, UniqueFd report) {
    setsid();  // no terminal, no job control of the caller's shell
    UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    // The caller's stdio (a terminal, the pipe of `out=$(berthctl run --detach ...)`) stays with the
    // caller: stdin and stdout now, stderr once the start is reported (warnings and --debug lines of
    // the start still reach the caller, as in a foreground run).
    auto release = [&null](int fd) {
        if (!null || dup2(null.Get(), fd) < 0)
            close(fd);
    };
    release(0);
    release(1);
    std::optional<MonitoredInit> init;
    UniqueFd out_r, err_r;
    try {
        auto [out_read, out_write] = Pipe("stdout");
        auto [err_read, err_write] = Pipe("stderr");
        init.emplace(start(launch::Stdio{null.Get(), out_write.Get(), err_write.Get()}));
        out_r = std::move(out_read);
        err_r = std::move(err_read);
    } catch (const std::exception& e) {
        Report(report.Get(), e.what());
        return 1;
    }
    Report(report.Get(), kStarted + init->id.str() + "\n");
    report.Reset();
    PhaseMarker("detach-reported");
    EndPhaseMarkers();
    release(2);
    // Nothing below needs systemd.
    cgroup::SystemdManager::DisconnectShared();
    ContainerLog log(log_dir, init->id.str());
    RelayUntilExit(manager, *init, std::move(out_r), std::move(err_r), log, {});
    return 0;
}

// Forks the monitor and waits for its report: returns the container's name once it runs, else
// throws its error. `name` (maybe empty) is for messages only.
std::string StartMonitored(Manager& manager, const std::string& name, const StartInit& start, const std::string& log_dir) {
    auto [report_r, report_w] = Pipe("start report");
    pid_t child = fork();
    if (child < 0)
        ThrowErrno("Failed to fork the monitor of " + name);
    if (child == 0) {
        report_r.Reset();
        int code = 1;
        try {
            code = Monitor(manager, start, log_dir, std::move(report_w));
        } catch (...) {
        }
        _exit(code);
    }
    report_w.Reset();
    std::string report;
    char buf[512];
    for (;;) {
        ssize_t n = read(report_r.Get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        report.append(buf, static_cast<size_t>(n));
    }
    if (report.rfind(kStarted, 0) == 0 && report.size() > 4 && report.back() == '\n')
        return report.substr(3, report.size() - 4);
    if (report.empty())
        throw Error("Failed to start container " + name + ": its monitor ended before reporting the start");
    throw Error(report);
}

}  // namespace

ContainerState RunDetached(Manager& manager, const config::ContainerConfig& config, const std::string& log_dir) {
    std::optional<Container> container;
    StartMonitored(
        manager, config.name,
        [&](const launch::Stdio& stdio) {
            RunOptions options;
            options.stdio = stdio;
            options.watch_oom = true;
            options.rootfs_baseline = true;
            container.emplace(manager.Run(config, options));
            const ContainerState& state = container->State();
            return MonitoredInit{ContainerId(state.name), state.pid, state.pid_start_time, container->Pidfd(),
                                 container->OomWatch()};
        },
        log_dir);
    return manager.GetStatus(ContainerId(config.name));
}

ContainerState RestoreDetached(Manager& manager, const std::string& cgroup_driver,
                               const checkpoint::RestoreOptions& options, const std::string& log_dir) {
    std::optional<RestoredContainer> restored;
    // Without --name the images name the container: the monitor reports which.
    std::string name = StartMonitored(
        manager, options.name.empty() ? "restored from " + options.image_dir + options.import_path : options.name,
        [&](const launch::Stdio& stdio) {
            checkpoint::RestoreOptions with_stdio = options;
            with_stdio.stdin_fd = stdio.in;
            with_stdio.stdout_fd = stdio.out;
            with_stdio.stderr_fd = stdio.err;
            restored.emplace(RestoreContainer(manager.StateDir(), cgroup_driver, with_stdio, false));
            for (const std::string& warning : restored->Warnings())
                LogWarning(warning);
            const ContainerState& state = restored->State();
            return MonitoredInit{ContainerId(state.name), state.pid, state.pid_start_time, restored->Pidfd()};
        },
        log_dir);
    return manager.GetStatus(ContainerId(name));
}

}  // namespace berth::manager
