#include "bus/monitor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "bus/monitor_server.hpp"
#include "cgroup/systemd_manager.hpp"
#include "manager/checkpointing.hpp"
#include "manager/container_monitor.hpp"
#include "manager/manager.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace berth::bus {

namespace {

// The start result on the status pipe: "OK" or "<kind number> <message>".
void WriteStatus(int fd, const std::string& line) {
    std::string text = line + "\n";
    [[maybe_unused]] ssize_t n = write(fd, text.data(), text.size());
}

ApiErrorKind KindOf(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const manager::NoSuchContainer&) {
        return ApiErrorKind::NoSuchContainer;
    } catch (const manager::InvalidState&) {
        return ApiErrorKind::InvalidState;
    } catch (const config::ConfigError&) {
        return ApiErrorKind::InvalidConfig;
    } catch (...) {
        return ApiErrorKind::Failed;
    }
}

}  // namespace

void ReportMonitorFailure(int status_fd, const std::string& message) {
    WriteStatus(status_fd, std::to_string(static_cast<int>(ApiErrorKind::Failed)) + " " + message);
}

UniqueFd StartWithMonitor(const EngineSettings& settings, const std::string& name, const RestoreSource& restore,
                          ExecFds stdio) {
    UniqueFd result = RequestMonitor(settings, name, restore, stdio);
    std::string line;
    char c;
    ssize_t n;
    while ((n = read(result.Get(), &c, 1)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) {
            if (c == '\n')
                break;
            line.push_back(c);
        }
    if (line == "OK")
        return result;
    if (line.empty())
        throw ApiError(ApiErrorKind::Failed,
                       "Failed to start container " + name + ": its monitor ended before reporting the start");
    auto space = line.find(' ');
    int kind = std::atoi(line.substr(0, space).c_str());
    throw ApiError(static_cast<ApiErrorKind>(kind), space == std::string::npos ? line : line.substr(space + 1));
}

int RunMonitor(const EngineSettings& settings, const std::string& name, const RestoreSource& restore,
               std::vector<UniqueFd> stdio, UniqueFd status, cgroup::Driver* driver) {
    // Given stdio: the init gets them as 0, 1, 2; the monitor keeps no copy (EOF reaches the caller with the init).
    const bool stdio_given = stdio.size() == 3;

    manager::ContainerLog log(settings.log_dir, name);
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
        ReportMonitorFailure(status.Get(), std::string("pipe: ") + strerror(errno));
        return 1;
    }
    UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]), err_r(err_pipe[0]), err_w(err_pipe[1]);
    UniqueFd null_in(open("/dev/null", O_RDONLY | O_CLOEXEC));

    manager::Manager manager(settings.state_dir, settings.cgroup_driver,
                             settings.config_path.empty() ? config::SearchPath::DefaultContainers()
                                                          : config::SearchPath::Parse(settings.config_path));
    manager::ContainerId id(name);
    pid_t pid = -1;
    unsigned long long start_time = 0;
    UniqueFd pidfd;
    std::optional<manager::Container> container;
    std::optional<manager::RestoredContainer> restored;
    try {
        if (restore.Empty()) {
            manager::RunOptions options;
            options.driver = driver;
            options.stdio = stdio_given ? launch::Stdio{stdio[0].Get(), stdio[1].Get(), stdio[2].Get()}
                                        : launch::Stdio{null_in.Get(), out_w.Get(), err_w.Get()};
            container.emplace(manager.Start(id, options));
            pid = container->State().pid;
            start_time = container->State().pid_start_time;
        } else {
            checkpoint::RestoreOptions options;
            options.image_dir = restore.image_dir;
            options.import_path = restore.import_path;
            options.netns_path = restore.netns_path;
            options.name = name;
            options.stdin_fd = stdio_given ? stdio[0].Get() : null_in.Get();
            options.stdout_fd = stdio_given ? stdio[1].Get() : out_w.Get();
            options.stderr_fd = stdio_given ? stdio[2].Get() : err_w.Get();
            restored.emplace(manager::RestoreContainer(settings.state_dir, settings.cgroup_driver, options, false));
            pid = restored->State().pid;
            start_time = restored->State().pid_start_time;
        }
        // Our own pidfd on our child: the same for a started and a restored init.
        pidfd = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
        if (!pidfd)
            ThrowErrno("Failed to open a pidfd for the init of " + name);
    } catch (const std::exception& e) {
        WriteStatus(status.Get(), std::to_string(static_cast<int>(KindOf(std::current_exception()))) + " " + e.what());
        return 1;
    }
    out_w.Reset();
    err_w.Reset();
    for (auto& fd : stdio)
        fd.Reset();
    WriteStatus(status.Get(), "OK");
    // Nothing below needs systemd: a connection per running container would only burden the bus.
    cgroup::SystemdManager::DisconnectShared();

    // Closing the status channel tells a starter waiting for the exit record that it is there.
    manager::RelayUntilExit(manager, {id, pid, start_time, pidfd.Get()}, std::move(out_r), std::move(err_r), log,
                            [&] { status.Reset(); });
    return 0;
}

}  // namespace berth::bus
