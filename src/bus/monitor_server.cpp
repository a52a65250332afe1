#include "bus/monitor_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <vector>

#include "bus/monitor.hpp"
#include "cgroup/cgroup_layout.hpp"
#include "cgroup/driver.hpp"
#include "cgroup/systemd_manager.hpp"
#include "util/error.hpp"
#include "util/fd_passing.hpp"
#include "util/log.hpp"
#include "util/process_title.hpp"

namespace berth::bus {

namespace {

constexpr int kControlFd = 3;
// A request: "name\0image_dir\0import_path\0netns_path\0" (names and paths hold no NUL).
constexpr size_t kMaxRequestBytes = 8192;
// The result socket, then stdin, stdout, stderr when given.
constexpr size_t kMaxRequestFds = 4;
// An idle spare is replaced after this long: a fresh one notices a restarted dbus/systemd.
constexpr int kSpareRefreshMs = 60 * 1000;
constexpr std::chrono::seconds kScopeStartTimeout{10};

std::vector<std::string> ServerArgs(const EngineSettings& settings) {
    std::vector<std::string> args = {"berthd",          "--monitor-server",     "--state-dir", settings.state_dir,
                                     "--cgroup-driver", settings.cgroup_driver, "--log-dir",   settings.log_dir};
    if (!settings.config_path.empty()) {
        args.push_back("--config-path");
        args.push_back(settings.config_path);
    }
    return args;
}

// berthd's end of the control socket; respawns the server when it is gone.
class ServerConnection {
public:
    static ServerConnection& Instance() {
        static ServerConnection connection;
        return connection;
    }

    void Prepare(const EngineSettings& settings) {
        std::lock_guard lock(mutex_);
        if (!control_)
            Spawn(settings);
    }

    void Send(const EngineSettings& settings, const std::string& request, const std::vector<int>& fds) {
        std::lock_guard lock(mutex_);
        if (!control_)
            Spawn(settings);
        try {
            SendWithFds(control_.Get(), request, fds);
        } catch (const Error& e) {
            if (e.Errno() != EPIPE && e.Errno() != ECONNRESET && e.Errno() != ECONNREFUSED)
                throw;
            // The server died (killed, OOM): a new one serves this and later requests.
            LogWarning(std::string("The monitor server is gone (") + e.what() + "), starting a new one");
            Spawn(settings);
            SendWithFds(control_.Get(), request, fds);
        }
    }

private:
    // fork + exec `berthd --monitor-server` with the control socket as fd 3. The server detaches
    // (forks once more, its first process exits): reap that first process here.
    void Spawn(const EngineSettings& settings) {
        auto [mine, theirs] = MakeSocketPair(SOCK_SEQPACKET);
        std::vector<std::string> args = ServerArgs(settings);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_t child = fork();
        if (child < 0)
            ThrowErrno("Failed to fork the monitor server");
        if (child == 0) {
            // Only async-signal-safe calls between fork and exec: berthd has threads.
            int fd = theirs.Get();
            if (fd == kControlFd) {
                if (fcntl(fd, F_SETFD, 0) < 0)
                    _exit(127);
            } else if (dup2(fd, kControlFd) < 0) {
                _exit(127);
            }
            execv(settings.self_exe.c_str(), argv.data());
            _exit(127);
        }
        theirs.Reset();
        int wstatus = 0;
        while (waitpid(child, &wstatus, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
            throw Error("Failed to start the monitor server " + settings.self_exe + ": status " +
                        std::to_string(wstatus));
        control_ = std::move(mine);
    }

    std::mutex mutex_;
    UniqueFd control_;
};

// A forked monitor waiting for its request; the server holds the other end of its socket.
struct Spare {
    UniqueFd socket;
};

// The spare's life: get ready (bus connection open), wait for one request, then be its monitor.
[[noreturn]] void RunSpare(const EngineSettings& settings, UniqueFd socket) {
    signal(SIGCHLD, SIG_DFL);  // the monitor reaps its init itself
    setsid();
    std::unique_ptr<cgroup::Driver> driver;
    try {
        // Detects the cgroup layout and opens the process' connection to systemd (Hello, Version)
        // before the request comes.
        driver = cgroup::MakeDriver(settings.cgroup_driver);
        // Finishes authenticating now: the bus closes a connection left unauthenticated past its
        // auth_timeout (dbus-daemon: 30 s), and a spare may wait longer than that for its request.
        if (driver->Name() == "systemd")
            cgroup::SystemdManager::Shared().Version();
    } catch (const std::exception& e) {
        // The start will fail the same way and report it; nothing to do here.
        LogDebug(std::string("Monitor warm-up: ") + e.what());
    }
    std::optional<ReceivedMessage> request;
    try {
        request = ReceiveWithFds(socket.Get(), kMaxRequestBytes, kMaxRequestFds);
    } catch (const std::exception& e) {
        LogWarning(std::string("Monitor: ") + e.what());
        _exit(1);
    }
    socket.Reset();
    if (!request || request->fds.empty())
        _exit(0);  // refreshed, or the server ended
    const std::string& bytes = request->bytes;
    std::vector<std::string> fields;
    for (size_t at = 0, end; (end = bytes.find('\0', at)) != std::string::npos; at = end + 1)
        fields.push_back(bytes.substr(at, end - at));
    UniqueFd status = std::move(request->fds[0]);
    if (fields.size() != 4 || (request->fds.size() != 1 && request->fds.size() != 4)) {
        ReportMonitorFailure(status.Get(), "Monitor: malformed request");
        _exit(1);
    }
    const std::string& name = fields[0];
    RestoreSource image{fields[1], fields[2], fields[3]};
    SetProcessTitle({"berthd", "--monitor", name});
    std::vector<UniqueFd> stdio;
    for (size_t i = 1; i < request->fds.size(); ++i)
        stdio.push_back(std::move(request->fds[i]));
    _exit(RunMonitor(settings, name, image, std::move(stdio), std::move(status), driver.get()));
}

// Moves the server (and so every monitor it forks later) into a scope of its own in berth.slice:
// stopping or killing berthd.service's cgroup then leaves the monitors, and the exit statuses they
// record, alone. Once per server; without systemd the monitors stay where berthd is.
void MoveIntoOwnScope(const EngineSettings& settings) {
    if (settings.cgroup_driver == "cgroupfs" || !cgroup::SystemdManager::Reachable())
        return;
    std::string unit = "berthd-monitors-" + std::to_string(getpid()) + ".scope";
    try {
        cgroup::SystemdManager::Shared().StartTransientUnit(
            unit,
            {{"Description", std::string("Monitors of Berth's containers")},
             {"Slice", std::string("berth.slice")},
             {"PIDs", std::vector<uint32_t>{static_cast<uint32_t>(getpid())}},
             {"CollectMode", std::string("inactive-or-failed")}},
            kScopeStartTimeout);
    } catch (const std::exception& e) {
        LogWarning("Failed to start " + unit + ", the monitors stay in berthd's cgroup: " + e.what());
    }
    // The server needs systemd no more; each spare opens its own connection.
    cgroup::SystemdManager::DisconnectShared();
}

// The cgroup layout, read once in the server: every spare forked later inherits it.
void ReadLayoutForSpares() {
    try {
        cgroup::DetectLayout();
    } catch (const std::exception& e) {
        LogDebug(std::string("Monitor server: ") + e.what() + " (each spare reads the layout itself)");
    }
}

Spare ForkSpare(const EngineSettings& settings, int control) {
    auto [mine, theirs] = MakeSocketPair(SOCK_SEQPACKET);
    pid_t pid = fork();
    if (pid < 0)
        ThrowErrno("Failed to fork a monitor");
    if (pid == 0) {
        close(control);
        mine.Reset();
        RunSpare(settings, std::move(theirs));
    }
    return Spare{std::move(mine)};
}

}  // namespace

void PrepareMonitorServer(const EngineSettings& settings) { ServerConnection::Instance().Prepare(settings); }

UniqueFd RequestMonitor(const EngineSettings& settings, const std::string& name, const RestoreSource& restore,
                        ExecFds stdio) {
    auto [result, monitor_end] = MakeSocketPair(SOCK_STREAM);
    std::string request =
        name + '\0' + restore.image_dir + '\0' + restore.import_path + '\0' + restore.netns_path + '\0';
    std::vector<int> fds = {monitor_end.Get()};
    if (stdio.Given())
        fds.insert(fds.end(), {stdio.in, stdio.out, stdio.err});
    ServerConnection::Instance().Send(settings, request, fds);
    return std::move(result);
}

int RunMonitorServer(const EngineSettings& settings) {
    // Detach from berthd: the server (and every monitor it forks) is reparented away, in its own session.
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child > 0)
        _exit(0);
    setsid();
    UniqueFd control(kControlFd);
    fcntl(control.Get(), F_SETFD, FD_CLOEXEC);
    // Monitors are collected by the kernel when they end; each resets this for its own init.
    signal(SIGCHLD, SIG_IGN);
    MoveIntoOwnScope(settings);
    ReadLayoutForSpares();

    Spare spare;
    for (;;) {
        if (!spare.socket) {
            try {
                spare = ForkSpare(settings, control.Get());
            } catch (const std::exception& e) {
                LogWarning(std::string(e.what()) + "; retrying");
                sleep(1);
                continue;
            }
        }
        struct pollfd fds[2] = {{control.Get(), POLLIN, 0}, {spare.socket.Get(), POLLIN, 0}};
        int n = poll(fds, 2, kSpareRefreshMs);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            LogWarning(std::string("Monitor server: poll: ") + strerror(errno));
            return 1;
        }
        if (n == 0 || fds[1].revents) {
            // Idle for long, or the spare died: closing its socket ends it, the loop forks a new one
            // (with a fresh look at the cgroup layout).
            spare.socket.Reset();
            cgroup::ForgetDetectedLayout();
            ReadLayoutForSpares();
            continue;
        }
        std::optional<ReceivedMessage> request;
        try {
            request = ReceiveWithFds(control.Get(), kMaxRequestBytes, kMaxRequestFds);
        } catch (const std::exception& e) {
            LogWarning(std::string("Monitor server: ") + e.what());
            continue;
        }
        if (!request)
            return 0;  // berthd is gone: running monitors carry on, the spare sees EOF and ends
        std::vector<int> raw;
        for (const auto& fd : request->fds)
            raw.push_back(fd.Get());
        try {
            SendWithFds(spare.socket.Get(), request->bytes, raw);
        } catch (const std::exception& e) {
            // The spare died just now: a fresh one takes the request.
            spare.socket.Reset();
            try {
                spare = ForkSpare(settings, control.Get());
                SendWithFds(spare.socket.Get(), request->bytes, raw);
            } catch (const std::exception& again) {
                LogWarning(std::string("Monitor server: ") + again.what());
            }
        }
        // That spare is now the container's monitor; the next loop forks the next spare.
        spare.socket.Reset();
    }
}

}  // namespace berth::bus
