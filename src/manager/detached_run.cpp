#include "manager/detached_run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "cgroup/systemd_manager.hpp"
#include "manager/container_monitor.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth::manager {
namespace {

constexpr const char kStarted[] = "OK\n";

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

// The monitor's body: start the container with its output on pipes, report, then relay and reap.
int Monitor(Manager& manager, const config::ContainerConfig& config, const std::string& log_dir, UniqueFd report) {
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
    std::optional<Container> container;
    UniqueFd out_r, err_r;
    try {
        auto [out_read, out_write] = Pipe("stdout");
        auto [err_read, err_write] = Pipe("stderr");
        RunOptions options;
        options.stdio = launch::Stdio{null.Get(), out_write.Get(), err_write.Get()};
        container.emplace(manager.Run(config, options));
        out_r = std::move(out_read);
        err_r = std::move(err_read);
    } catch (const std::exception& e) {
        Report(report.Get(), e.what());
        return 1;
    }
    Report(report.Get(), kStarted);
    report.Reset();
    release(2);
    // Nothing below needs systemd.
    cgroup::SystemdManager::DisconnectShared();
    ContainerLog log(log_dir, config.name);
    const ContainerState& state = container->State();
    RelayUntilExit(manager, {ContainerId(state.name), state.pid, state.pid_start_time, container->Pidfd()},
                   std::move(out_r), std::move(err_r), log, {});
    return 0;
}

}  // namespace

ContainerState RunDetached(Manager& manager, const config::ContainerConfig& config, const std::string& log_dir) {
    auto [report_r, report_w] = Pipe("start report");
    pid_t child = fork();
    if (child < 0)
        ThrowErrno("Failed to fork the monitor of " + config.name);
    if (child == 0) {
        report_r.Reset();
        int code = 1;
        try {
            code = Monitor(manager, config, log_dir, std::move(report_w));
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
    if (report == kStarted)
        return manager.GetStatus(ContainerId(config.name));
    if (report.empty())
        throw Error("Failed to start container " + config.name + ": its monitor ended before reporting the start");
    throw Error(report);
}

}  // namespace berth::manager
