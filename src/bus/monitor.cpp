#include "bus/monitor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "bus/monitor_server.hpp"
#include "cgroup/oom_watch.hpp"
#include "cgroup/systemd_manager.hpp"
#include "manager/checkpointing.hpp"
#include "manager/container_monitor.hpp"
#include "manager/manager.hpp"
#include "util/fd_passing.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/pidfd.hpp"

namespace berth::bus {

namespace {

// The start result on the status pipe: "OK" or "<kind number> <message>".
void WriteStatus(int fd, const std::string& line) {
    std::string text = line + "\n";
    // A socket: berthd may have closed its end, which must not kill the monitor server (SIGPIPE).
    [[maybe_unused]] ssize_t n = send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

// The notification fd of an OOM watch on the placement's memory cgroup; invalid when it cannot be
// watched (the server then tries itself).
cgroup::OomRegistration WatchForOom(const cgroup::Placement& placement) {
    try {
        return cgroup::OomWatch(placement).TakeRegistration();
    } catch (const std::exception& e) {
        LogDebug(std::string("Monitor: ") + e.what());
        return {};
    }
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
               std::vector<UniqueFd> stdio, UniqueFd status, cgroup::Driver* driver, int server,
               MonitorAttachments attachments) {
    // Given stdio: the init gets them as 0, 1, 2; nobody here keeps a copy (EOF reaches the caller with the init).
    const bool stdio_given = stdio.size() == 3;

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
    // Armed as early as can be: an init OOM-killed right after its start is still counted.
    cgroup::OomRegistration oom_watch;
    std::optional<manager::Container> container;
    std::optional<manager::RestoredContainer> restored;
    try {
        if (restore.Empty()) {
            manager::RunOptions options;
            options.driver = driver;
            options.watch_oom = true;
            options.rootfs_baseline = true;
            options.stdio = stdio_given ? launch::Stdio{stdio[0].Get(), stdio[1].Get(), stdio[2].Get()}
                                        : launch::Stdio{null_in.Get(), out_w.Get(), err_w.Get()};
            std::vector<UniqueFd> reserved = PrepareListenFds(attachments, options);
            container.emplace(manager.Start(id, options));
            // Armed before the init's program started (watch_oom); its fd goes to the server.
            oom_watch = container->OomWatch() ? container->OomWatch()->TakeRegistration()
                                              : WatchForOom(container->State().placement);
            // The console socket's peer (berthctl) relays the terminal; the init is the server's.
            HandOverTerminal(*container, attachments);
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
            oom_watch = WatchForOom(restored->State().placement);
            pid = restored->State().pid;
            start_time = restored->State().pid_start_time;
        }
        // A pidfd on our child (the same for a started and a restored init): the server's once we exit.
        pidfd = Pidfd::OpenOrThrow(pid, "the init of " + name).TakeFd();
    } catch (const std::exception& e) {
        WriteStatus(status.Get(), std::to_string(static_cast<int>(KindOf(std::current_exception()))) + " " + e.what());
        return 1;
    }
    out_w.Reset();
    err_w.Reset();
    for (auto& fd : stdio)
        fd.Reset();
    attachments = {};
    // The server (a subreaper) adopts the init when we exit, and reports "OK" once it has.
    Handoff handoff{name, pid, start_time, !stdio_given, oom_watch.fd.Valid(), settings.log_dir, oom_watch.system_kills};
    std::vector<int> fds = {status.Get(), pidfd.Get()};
    if (handoff.output_pipes)
        fds.insert(fds.end(), {out_r.Get(), err_r.Get()});
    if (handoff.oom_watch)
        fds.push_back(oom_watch.fd.Get());
    try {
        SendWithFds(server, EncodeHandoff(handoff), fds);
    } catch (const std::exception& e) {
        // The server is gone: its successor adopts nothing, so the exit status will be unknown.
        ReportMonitorFailure(status.Get(), "Container " + name + " started, but its monitor is gone: " + e.what());
        return 1;
    }
    return 0;
}

std::string EncodeHandoff(const Handoff& handoff) {
    return handoff.name + '\0' + std::to_string(handoff.pid) + '\0' + std::to_string(handoff.start_time) + '\0' +
           (handoff.output_pipes ? "1" : "0") + '\0' + (handoff.oom_watch ? "1" : "0") + '\0' + handoff.log_dir + '\0' +
           (handoff.system_oom_kills ? std::to_string(*handoff.system_oom_kills) : "") + '\0';
}

std::optional<Handoff> DecodeHandoff(const std::string& bytes) {
    std::vector<std::string> fields;
    for (size_t at = 0, end; (end = bytes.find('\0', at)) != std::string::npos; at = end + 1)
        fields.push_back(bytes.substr(at, end - at));
    if (fields.size() != 7 || !manager::ContainerId::IsValid(fields[0]) || fields[5].empty())
        return std::nullopt;
    try {
        Handoff handoff{fields[0],         static_cast<pid_t>(std::stol(fields[1])), std::stoull(fields[2]),
                        fields[3] == "1",  fields[4] == "1",                        fields[5]};
        if (!fields[6].empty())
            handoff.system_oom_kills = std::stoull(fields[6]);
        if (handoff.pid <= 0)
            return std::nullopt;
        return handoff;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace berth::bus
