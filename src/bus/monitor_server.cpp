#include "bus/monitor_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "bus/monitor.hpp"
#include "bus/monitor_request.hpp"
#include "cgroup/cgroup_layout.hpp"
#include "cgroup/driver.hpp"
#include "cgroup/systemd_manager.hpp"
#include "manager/container_monitor.hpp"
#include "manager/manager.hpp"
#include "util/error.hpp"
#include "util/fd_passing.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/process_title.hpp"
#include "util/sd_bus.hpp"

namespace berth::bus {

namespace {

// Beside the containers' directories (not a valid container name, so never listed as one).
constexpr const char* kSocketName = ".monitor.sock";
// A request (monitor_request.hpp): names and paths hold no NUL. It carries the requesting
// berthd's settings: a server outlives the berthd that spawned it, and the next one may run with
// other options.
constexpr size_t kMaxRequestBytes = 8192;
constexpr size_t kMaxRequestFds = kMaxMonitorRequestFds;
// A handoff: the status socket, the init's pidfd, the read ends of its stdout and stderr, the OOM watch.
constexpr size_t kMaxHandoffFds = 5;
// An idle spare is replaced after this long: a fresh one notices a restarted dbus/systemd.
constexpr uint64_t kSpareRefreshUsec = 60ULL * 1000 * 1000;
constexpr std::chrono::seconds kScopeStartTimeout{10};

std::string SocketPath(const EngineSettings& settings) { return settings.state_dir + "/" + kSocketName; }

// The address of the socket at dir/name. A path longer than sun_path is reached through an O_PATH
// fd of dir (/proc/self/fd/N/name), kept open in dir_fd while the address is used.
sockaddr_un AddressOf(const std::string& dir, const std::string& name, UniqueFd& dir_fd) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = dir + "/" + name;
    if (path.size() >= sizeof address.sun_path) {
        dir_fd = UniqueFd(open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dir_fd)
            ThrowErrno("Failed to open " + dir + " for the monitor socket");
        path = "/proc/self/fd/" + std::to_string(dir_fd.Get()) + "/" + name;
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

sockaddr_un SocketAddress(const std::string& path, UniqueFd& dir_fd) {
    size_t slash = path.rfind('/');
    return AddressOf(path.substr(0, slash), path.substr(slash + 1), dir_fd);
}

// A connection to the server listening at path; invalid when none listens there.
UniqueFd ConnectTo(const std::string& path) {
    UniqueFd dir_fd;
    sockaddr_un address = SocketAddress(path, dir_fd);
    UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!fd)
        ThrowErrno("Failed to create a socket for the monitor server");
    if (connect(fd.Get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
        if (errno == ENOENT || errno == ECONNREFUSED)
            return UniqueFd();
        ThrowErrno("Failed to connect to the monitor server at " + path);
    }
    return fd;
}

std::vector<std::string> ServerArgs(const EngineSettings& settings) {
    std::vector<std::string> args = {"berthd",          "--monitor-server",     "--state-dir", settings.state_dir,
                                     "--cgroup-driver", settings.cgroup_driver, "--log-dir",   settings.log_dir};
    if (!settings.config_path.empty()) {
        args.push_back("--config-path");
        args.push_back(settings.config_path);
    }
    return args;
}

// berthd's connection to the server of its state directory: attaches to a running one (started by
// an earlier berthd), else starts one.
class ServerConnection {
public:
    static ServerConnection& Instance() {
        static ServerConnection connection;
        return connection;
    }

    void Prepare(const EngineSettings& settings) {
        std::lock_guard lock(mutex_);
        if (!control_)
            Attach(settings);
    }

    void Send(const EngineSettings& settings, const std::string& request, const std::vector<int>& fds) {
        std::lock_guard lock(mutex_);
        if (!control_)
            Attach(settings);
        try {
            SendWithFds(control_.Get(), request, fds);
        } catch (const Error& e) {
            if (e.Errno() != EPIPE && e.Errno() != ECONNRESET && e.Errno() != ECONNREFUSED && e.Errno() != ENOTCONN)
                throw;
            // The server died (killed, OOM) or ended: a new one serves this and later requests.
            LogWarning(std::string("The monitor server is gone (") + e.what() + "), attaching to a new one");
            control_.Reset();
            Attach(settings);
            SendWithFds(control_.Get(), request, fds);
        }
    }

private:
    void Attach(const EngineSettings& settings) {
        const std::string path = SocketPath(settings);
        control_ = ConnectTo(path);
        if (control_)
            return;
        Spawn(settings);
        control_ = ConnectTo(path);
        if (!control_)
            throw Error("Failed to connect to the monitor server at " + path + ": it did not start listening");
    }

    // fork + exec `berthd --monitor-server`. The server listens before it detaches (forks once
    // more, its first process exits): reap that first process here, then connect.
    void Spawn(const EngineSettings& settings) {
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
            execv(settings.self_exe.c_str(), argv.data());
            _exit(127);
        }
        int wstatus = 0;
        while (waitpid(child, &wstatus, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
            throw Error("Failed to start the monitor server " + settings.self_exe + ": status " +
                        std::to_string(wstatus));
    }

    std::mutex mutex_;
    UniqueFd control_;
};

// The soft RLIMIT_NOFILE the server was started with: the server raises its own (it holds a few
// fds per container), the containers get the usual one.
rlimit g_inherited_nofile{};

void RaiseFdLimit() {
    if (getrlimit(RLIMIT_NOFILE, &g_inherited_nofile) < 0)
        return;
    rlimit raised = g_inherited_nofile;
    raised.rlim_cur = raised.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) < 0)
        LogWarning(std::string("Failed to raise the monitor server's fd limit: ") + strerror(errno));
}

// The spare's life: get ready (bus connection open), wait for one request, start its container,
// hand the init to the server, exit (so that the server, a subreaper, becomes the init's parent).
[[noreturn]] void RunSpare(const EngineSettings& settings, int socket) {
    setsid();
    if (g_inherited_nofile.rlim_cur > 0)
        setrlimit(RLIMIT_NOFILE, &g_inherited_nofile);
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
        request = ReceiveWithFds(socket, kMaxRequestBytes, kMaxRequestFds);
    } catch (const std::exception& e) {
        LogWarning(std::string("Monitor: ") + e.what());
        _exit(1);
    }
    if (!request || request->fds.empty())
        _exit(0);  // refreshed, or the server ended
    UniqueFd status = std::move(request->fds[0]);
    MonitorRequest decoded;
    try {
        decoded = DecodeMonitorRequest(request->bytes, request->fds.size());
    } catch (const Error& e) {
        ReportMonitorFailure(status.Get(), e.what());
        _exit(1);
    }
    EngineSettings requested = settings;
    requested.cgroup_driver = decoded.cgroup_driver;
    requested.config_path = decoded.config_path;
    requested.log_dir = decoded.log_dir;
    // Made in advance for the server's driver setting; a berthd with another one gets its own.
    if (requested.cgroup_driver != settings.cgroup_driver)
        driver.reset();
    SetProcessTitle({"berthd", "--monitor", decoded.name});
    size_t next = 1;
    std::vector<UniqueFd> stdio;
    for (; decoded.stdio && stdio.size() < 3; ++next)
        stdio.push_back(std::move(request->fds[next]));
    MonitorAttachments attachments;
    if (decoded.console)
        attachments.console_socket = std::move(request->fds[next++]);
    for (; next < request->fds.size(); ++next)
        attachments.listen_fds.push_back(std::move(request->fds[next]));
    attachments.listen_fd_names = decoded.listen_fd_names;
    attachments.rows = decoded.rows;
    attachments.columns = decoded.columns;
    _exit(RunMonitor(requested, decoded.name, decoded.restore, std::move(stdio), std::move(status), driver.get(),
                     socket, std::move(attachments)));
}

// Moves the server (and so every spare it forks later) into a scope of its own in berth.slice:
// stopping or killing berthd.service's cgroup then leaves the server, and the exit statuses it
// records, alone. Without systemd the server stays where berthd is.
void MoveIntoOwnScope(const EngineSettings& settings) {
    if (settings.cgroup_driver == "cgroupfs" || !cgroup::SystemdManager::Reachable()) {
        cgroup::SystemdManager::DisconnectShared();  // no idle connection left open (issue 18)
        return;
    }
    std::string unit = "berthd-monitors-" + std::to_string(getpid()) + ".scope";
    try {
        cgroup::SystemdManager::Shared().StartTransientUnit(
            unit,
            {{"Description", std::string("Monitor of Berth's containers")},
             {"Slice", std::string("berth.slice")},
             {"PIDs", std::vector<uint32_t>{static_cast<uint32_t>(getpid())}},
             {"CollectMode", std::string("inactive-or-failed")}},
            kScopeStartTimeout);
    } catch (const std::exception& e) {
        LogWarning("Failed to start " + unit + ", the monitor stays in berthd's cgroup: " + e.what());
    }
    // The server needs systemd no more; each spare opens its own connection.
    cgroup::SystemdManager::DisconnectShared();
}

// The cgroup layout, read in the server: every spare forked later inherits it.
void ReadLayoutForSpares() {
    try {
        cgroup::DetectLayout();
    } catch (const std::exception& e) {
        LogDebug(std::string("Monitor server: ") + e.what() + " (each spare reads the layout itself)");
    }
}

uint64_t MonotonicUsec() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
}

EventSourcePtr AddIo(sd_event* event, int fd, sd_event_io_handler_t handler, void* userdata, const char* what) {
    sd_event_source* source = nullptr;
    CheckNegErrno(sd_event_add_io(event, &source, fd, EPOLLIN, handler, userdata),
                  std::string("Failed to watch ") + what);
    return EventSourcePtr(source);
}

// The one process that is the parent of every container berthd started: a subreaper that adopts
// each init from the spare that started it, relays the init's output and records its exit.
class MonitorServer {
public:
    MonitorServer(const EngineSettings& settings, UniqueFd listener, std::string socket_path)
        : settings_(settings),
          manager_(settings.state_dir, settings.cgroup_driver,
                   settings.config_path.empty() ? config::SearchPath::DefaultContainers()
                                                : config::SearchPath::Parse(settings.config_path)),
          listener_(std::move(listener)),
          socket_path_(std::move(socket_path)) {
        struct stat st {};
        if (stat(socket_path_.c_str(), &st) == 0)
            socket_inode_ = st.st_ino;
    }

    int Run() {
        sd_event* raw = nullptr;
        CheckNegErrno(sd_event_new(&raw), "Failed to create the monitor server's event loop");
        event_.reset(raw);
        listener_source_ = AddIo(event_.get(), listener_.Get(), &MonitorServer::OnAccept, this, "the monitor socket");
        sd_event_source* timer = nullptr;
        CheckNegErrno(sd_event_add_time_relative(event_.get(), &timer, CLOCK_MONOTONIC, kSpareRefreshUsec, 0,
                                                 &MonitorServer::OnRefresh, this),
                      "Failed to add the spare refresh timer");
        refresh_source_.reset(timer);
        sd_event_source_set_enabled(timer, SD_EVENT_ON);
        ForkIdleSpare();
        int r = sd_event_loop(event_.get());
        if (r < 0)
            LogWarning(std::string("Monitor server: event loop: ") + strerror(-r));
        Unlisten();
        return r < 0 ? 1 : 0;
    }

private:
    struct Client {
        MonitorServer* server = nullptr;
        UniqueFd fd;
        EventSourcePtr source;
    };
    struct Spare {
        MonitorServer* server = nullptr;
        pid_t pid = 0;
        UniqueFd pidfd;
        UniqueFd socket;
        uint64_t forked_usec = 0;
        bool requested = false;
        bool received = false;    // its handoff (or EOF) has been read
        void* adopted = nullptr;  // the Watched made from its handoff, until the init is ours
        EventSourcePtr exit_source, socket_source;
    };
    struct Watched {
        MonitorServer* server = nullptr;
        UniqueFd pidfd;
        UniqueFd status;  // berthd's: closed once the exit is recorded
        std::unique_ptr<manager::InitMonitor> monitor;
        // Declared last, so destroyed before the fds they watch.
        EventSourcePtr out_source, err_source, exit_source, oom_source, oom_timer;
    };

    static int OnAccept(sd_event_source*, int fd, uint32_t, void* userdata) {
        auto* self = static_cast<MonitorServer*>(userdata);
        UniqueFd client(accept4(fd, nullptr, nullptr, SOCK_CLOEXEC));
        if (!client)
            return 0;
        // The socket is 0600 in a 0711 directory; the peer's credentials are checked all the same.
        ucred peer{};
        socklen_t length = sizeof peer;
        if (getsockopt(client.Get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) < 0 || peer.uid != geteuid()) {
            LogWarning("Monitor server: refusing a connection from uid " + std::to_string(peer.uid));
            return 0;
        }
        auto entry = std::make_unique<Client>();
        entry->server = self;
        entry->fd = std::move(client);
        try {
            entry->source = AddIo(self->event_.get(), entry->fd.Get(), &MonitorServer::OnRequest, entry.get(),
                                  "a berthd connection");
        } catch (const std::exception& e) {
            LogWarning(e.what());
            return 0;
        }
        int key = entry->fd.Get();
        self->clients_[key] = std::move(entry);
        return 0;
    }

    static int OnRequest(sd_event_source*, int fd, uint32_t, void* userdata) {
        auto* client = static_cast<Client*>(userdata);
        MonitorServer* self = client->server;
        std::optional<ReceivedMessage> request;
        try {
            request = ReceiveWithFds(fd, kMaxRequestBytes, kMaxRequestFds);
        } catch (const std::exception& e) {
            LogWarning(std::string("Monitor server: dropping a berthd connection: ") + e.what());
        }
        if (!request) {
            // That berthd is gone: its containers carry on here; a new berthd attaches again.
            self->clients_.erase(fd);
            self->ExitIfIdle();
            return 0;
        }
        self->Dispatch(std::move(*request));
        return 0;
    }

    // Hands a start to the idle spare, then forks the next one.
    void Dispatch(ReceivedMessage request) {
        if (request.fds.empty())
            return;
        std::vector<int> raw;
        for (const auto& fd : request.fds)
            raw.push_back(fd.Get());
        std::string failure;
        for (int attempt = 0; attempt < 2; ++attempt) {
            try {
                if (!idle_)
                    ForkIdleSpare();
                if (!idle_)
                    throw Error("no monitor could be forked");
                SendWithFds(idle_->socket.Get(), request.bytes, raw);
                idle_->requested = true;
                // Its handoff is read as soon as it comes: the init's memory cgroup is watched
                // from then on (an OOM kill right after the start is not missed).
                idle_->socket_source = AddIo(event_.get(), idle_->socket.Get(), &MonitorServer::OnSpareMessage,
                                             idle_, "a monitor's handoff");
                idle_ = nullptr;
                failure.clear();
                break;
            } catch (const std::exception& e) {
                // The spare died just now: a fresh one takes the request.
                failure = e.what();
                idle_ = nullptr;
            }
        }
        if (!failure.empty())
            ReportMonitorFailure(raw[0], "Monitor server: " + failure);
        ForkIdleSpare();
    }

    void ForkIdleSpare() {
        if (idle_)
            return;
        try {
            auto [mine, theirs] = MakeSocketPair(SOCK_SEQPACKET);
            pid_t pid = fork();
            if (pid < 0)
                ThrowErrno("Failed to fork a monitor");
            if (pid == 0) {
                // Nothing of the server's goes with the spare (berthd's sockets, other inits' pipes and
                // status sockets): only its own socket, as fd 3.
                int socket = theirs.Get();
                if (socket != 3 && dup2(socket, 3) < 0)
                    _exit(1);
                fcntl(3, F_SETFD, FD_CLOEXEC);
                syscall(SYS_close_range, 4U, ~0U, 0U);
                RunSpare(settings_, 3);
            }
            auto spare = std::make_unique<Spare>();
            spare->server = this;
            spare->pid = pid;
            spare->pidfd = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
            if (!spare->pidfd) {
                int err = errno;
                kill(pid, SIGKILL);
                while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
                }
                errno = err;
                ThrowErrno("Failed to open a pidfd for a monitor");
            }
            spare->socket = std::move(mine);
            spare->forked_usec = MonotonicUsec();
            spare->exit_source =
                AddIo(event_.get(), spare->pidfd.Get(), &MonitorServer::OnSpareExit, spare.get(), "a monitor");
            idle_ = spare.get();
            spares_[pid] = std::move(spare);
        } catch (const std::exception& e) {
            LogWarning(std::string("Monitor server: ") + e.what() + " (trying again at the next start)");
        }
    }

    static int OnSpareExit(sd_event_source*, int, uint32_t, void* userdata) {
        auto* spare = static_cast<Spare*>(userdata);
        MonitorServer* self = spare->server;
        siginfo_t info{};
        if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(spare->pidfd.Get()), &info,
                   WEXITED | WNOHANG) == 0 &&
            info.si_pid == 0)
            return 0;
        std::unique_ptr<Spare> gone = std::move(self->spares_[spare->pid]);
        self->spares_.erase(spare->pid);
        if (self->idle_ == spare)
            self->idle_ = nullptr;  // died idle: the next start forks another
        // What it sent before exiting is still queued on its socket.
        if (gone->requested && !gone->received)
            self->ReceiveHandoff(*gone);
        // Its init is ours now (we are the nearest subreaper): watch it exit, answer the start.
        if (gone->adopted)
            self->TakeInit(static_cast<Watched*>(gone->adopted));
        self->ExitIfIdle();
        return 0;
    }

    static int OnSpareMessage(sd_event_source*, int, uint32_t, void* userdata) {
        auto* spare = static_cast<Spare*>(userdata);
        spare->server->ReceiveHandoff(*spare);
        return 0;
    }

    void ReceiveHandoff(Spare& spare) {
        spare.received = true;
        spare.socket_source.reset();
        try {
            if (auto handoff = ReceiveWithFds(spare.socket.Get(), kMaxRequestBytes, kMaxHandoffFds))
                spare.adopted = Adopt(std::move(*handoff));
        } catch (const std::exception& e) {
            LogWarning(std::string("Monitor server: ") + e.what());
        }
    }

    void TakeInit(Watched* w) {
        try {
            w->exit_source = AddIo(event_.get(), w->pidfd.Get(), &OnInitExit, w, "a container's init");
        } catch (const std::exception& e) {
            ReportMonitorFailure(w->status.Get(), "Container " + w->monitor->Init().id.str() +
                                                      " started, but its monitor failed: " + e.what());
            inits_.erase(w);
            return;
        }
        // The start's answer comes once the init is ours.
        static const char kOk[] = "OK\n";
        [[maybe_unused]] ssize_t n = send(w->status.Get(), kOk, sizeof kOk - 1, MSG_NOSIGNAL);
    }

    // Watches the output and memory cgroup of the init a spare handed over; its exit is watched
    // once the spare is gone (TakeInit). nullptr when that failed (the starter is told why).
    Watched* Adopt(ReceivedMessage message) {
        std::optional<Handoff> handoff = DecodeHandoff(message.bytes);
        if (!handoff || message.fds.size() != handoff->FdCount()) {
            LogWarning("Monitor server: a malformed handoff from a monitor");
            return nullptr;
        }
        auto watched = std::make_unique<Watched>();
        watched->server = this;
        watched->status = std::move(message.fds[0]);
        watched->pidfd = std::move(message.fds[1]);
        UniqueFd out, err;
        cgroup::OomRegistration oom_watch{UniqueFd(), handoff->system_oom_kills};
        size_t next = 2;
        if (handoff->output_pipes) {
            out = std::move(message.fds[next++]);
            err = std::move(message.fds[next++]);
        }
        if (handoff->oom_watch)
            oom_watch.fd = std::move(message.fds[next++]);
        try {
            manager::MonitoredInit init{manager::ContainerId(handoff->name), handoff->pid, handoff->start_time,
                                        watched->pidfd.Get()};
            watched->monitor = std::make_unique<manager::InitMonitor>(
                manager_, init, std::move(out), std::move(err), manager::ContainerLog(handoff->log_dir, handoff->name),
                std::move(oom_watch));
            Watched* w = watched.get();
            if (w->monitor->OutFd() >= 0) {
                w->out_source = AddIo(event_.get(), w->monitor->OutFd(), &OnOutput, w, "a container's stdout");
                // Both pipes readable at once: stdout's lines first, as one poll loop read them
                // (what a program wrote to stdout before stderr then stays in that order).
                sd_event_source_set_priority(w->out_source.get(), SD_EVENT_PRIORITY_NORMAL - 1);
            }
            if (w->monitor->ErrFd() >= 0)
                w->err_source = AddIo(event_.get(), w->monitor->ErrFd(), &OnOutput, w, "a container's stderr");
            if (w->monitor->OomFd() >= 0)
                w->oom_source = AddIo(event_.get(), w->monitor->OomFd(), &OnOom, w, "a container's memory cgroup");
        } catch (const std::exception& e) {
            ReportMonitorFailure(watched->status.Get(),
                                 "Container " + handoff->name + " started, but its monitor failed: " + e.what());
            return nullptr;
        }
        Watched* w = watched.get();
        inits_[w] = std::move(watched);
        return w;
    }

    static int OnOutput(sd_event_source*, int fd, uint32_t, void* userdata) {
        auto* w = static_cast<Watched*>(userdata);
        bool is_out = fd == w->monitor->OutFd();
        if (is_out)
            w->monitor->OnOutReadable();
        else
            w->monitor->OnErrReadable();
        if ((is_out ? w->monitor->OutFd() : w->monitor->ErrFd()) < 0) {
            // At EOF: the source goes before the fd it watched is closed.
            (is_out ? w->out_source : w->err_source).reset();
            if (is_out)
                w->monitor->CloseOut();
            else
                w->monitor->CloseErr();
            w->server->FinishIfDone(w);
        }
        return 0;
    }

    static int OnInitExit(sd_event_source*, int, uint32_t, void* userdata) {
        auto* w = static_cast<Watched*>(userdata);
        if (!w->monitor->ReapIfExited())
            return 0;
        w->exit_source.reset();
        w->oom_source.reset();
        w->oom_timer.reset();
        // Tells a starter waiting for the exit record that it is there.
        w->status.Reset();
        w->server->FinishIfDone(w);
        return 0;
    }

    static int OnOom(sd_event_source*, int, uint32_t, void* userdata) {
        auto* w = static_cast<Watched*>(userdata);
        w->monitor->CheckOom(true);
        w->server->ScheduleOomRecheck(w);
        return 0;
    }

    static int OnOomRecheck(sd_event_source*, uint64_t, void* userdata) {
        auto* w = static_cast<Watched*>(userdata);
        w->monitor->CheckOom(false);
        w->server->ScheduleOomRecheck(w);
        return 0;
    }

    void ScheduleOomRecheck(Watched* w) {
        int ms = w->monitor->OomRecheckMs();
        if (ms < 0 || w->monitor->Exited()) {
            w->oom_timer.reset();
            return;
        }
        if (!w->oom_timer) {
            sd_event_source* timer = nullptr;
            if (sd_event_add_time_relative(event_.get(), &timer, CLOCK_MONOTONIC, static_cast<uint64_t>(ms) * 1000, 0,
                                           &OnOomRecheck, w) < 0)
                return;
            w->oom_timer.reset(timer);
            return;
        }
        sd_event_source_set_time_relative(w->oom_timer.get(), static_cast<uint64_t>(ms) * 1000);
        sd_event_source_set_enabled(w->oom_timer.get(), SD_EVENT_ONESHOT);
    }

    void FinishIfDone(Watched* w) {
        if (!w->monitor->Finished())
            return;
        inits_.erase(w);
        ExitIfIdle();
    }

    static int OnRefresh(sd_event_source* source, uint64_t, void* userdata) {
        auto* self = static_cast<MonitorServer*>(userdata);
        if (self->idle_ && MonotonicUsec() - self->idle_->forked_usec >= kSpareRefreshUsec) {
            // Closing its socket ends it (its exit is reaped as any spare's); the next one gets a
            // fresh look at the cgroup layout and at the bus.
            self->idle_->socket.Reset();
            self->idle_ = nullptr;
            cgroup::ForgetDetectedLayout();
            ReadLayoutForSpares();
            self->ForkIdleSpare();
        }
        sd_event_source_set_time_relative(source, kSpareRefreshUsec);
        sd_event_source_set_enabled(source, SD_EVENT_ON);
        self->ExitIfIdle();
        return 0;
    }

    // No berthd attached, no container to watch, no start under way: nothing to stay for.
    void ExitIfIdle() {
        if (!clients_.empty() || !inits_.empty())
            return;
        for (const auto& [pid, spare] : spares_)
            if (spare->requested)
                return;
        sd_event_exit(event_.get(), 0);
    }

    // The socket path goes with the server, unless a newer server has taken it meanwhile.
    void Unlisten() {
        struct stat st {};
        if (stat(socket_path_.c_str(), &st) == 0 && st.st_ino == socket_inode_)
            unlink(socket_path_.c_str());
    }

    EngineSettings settings_;
    manager::Manager manager_;
    UniqueFd listener_;
    std::string socket_path_;
    ino_t socket_inode_ = 0;
    EventPtr event_;
    EventSourcePtr listener_source_, refresh_source_;
    std::map<int, std::unique_ptr<Client>> clients_;
    std::map<pid_t, std::unique_ptr<Spare>> spares_;
    Spare* idle_ = nullptr;
    std::map<Watched*, std::unique_ptr<Watched>> inits_;
};

// The listening socket at path (0600), replacing a stale one no server listens on.
UniqueFd Listen(const std::string& path) {
    UniqueFd dir_fd;
    sockaddr_un address = SocketAddress(path, dir_fd);
    UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd)
        ThrowErrno("Failed to create the monitor socket");
    unlink(path.c_str());
    mode_t old = umask(0077);
    int r = bind(fd.Get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
    umask(old);
    if (r < 0)
        ThrowErrno("Failed to bind the monitor socket " + path);
    if (listen(fd.Get(), 64) < 0)
        ThrowErrno("Failed to listen on the monitor socket " + path);
    return fd;
}

}  // namespace

void PrepareMonitorServer(const EngineSettings& settings) { ServerConnection::Instance().Prepare(settings); }

UniqueFd RequestMonitor(const EngineSettings& settings, const std::string& name, const RestoreSource& restore,
                        ExecFds stdio) {
    auto [result, monitor_end] = MakeSocketPair(SOCK_STREAM);
    MonitorRequest request{name,
                           restore,
                           stdio.Given(),
                           stdio.console_socket >= 0,
                           stdio.listen_fds.size(),
                           stdio.listen_fd_names,
                           stdio.rows,
                           stdio.columns,
                           settings.cgroup_driver,
                           settings.config_path,
                           settings.log_dir};
    if (request.listen_fds > kMaxListenFds)
        throw ApiError(ApiErrorKind::Failed, "Failed to start container " + name + ": " +
                                                 std::to_string(request.listen_fds) + " socket activation fds, at most " +
                                                 std::to_string(kMaxListenFds));
    std::vector<int> fds = {monitor_end.Get()};
    if (stdio.Given())
        fds.insert(fds.end(), {stdio.in, stdio.out, stdio.err});
    if (stdio.console_socket >= 0)
        fds.push_back(stdio.console_socket);
    fds.insert(fds.end(), stdio.listen_fds.begin(), stdio.listen_fds.end());
    ServerConnection::Instance().Send(settings, EncodeMonitorRequest(request), fds);
    return std::move(result);
}

int RunMonitorServer(const EngineSettings& settings) {
    const std::string path = SocketPath(settings);
    UniqueFd listener;
    try {
        MakeDirs(settings.state_dir, 0711);
        // Another server already serves this state directory: berthd attaches to it.
        if (ConnectTo(path))
            return 0;
        listener = Listen(path);
    } catch (const std::exception& e) {
        LogWarning(std::string("Monitor server: ") + e.what());
        return 1;
    }
    // Detach from berthd: the server is reparented away, in its own session. It listens already,
    // so berthd connects as soon as this first process has exited.
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child > 0)
        _exit(0);
    setsid();
    // Each init is the child of the spare that started it until that spare exits: the kernel then
    // makes it ours, the nearest subreaper.
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        LogWarning(std::string("Monitor server: PR_SET_CHILD_SUBREAPER: ") + strerror(errno));
        return 1;
    }
    signal(SIGCHLD, SIG_DFL);  // never auto-reaped: each exit status is read and recorded
    RaiseFdLimit();
    MoveIntoOwnScope(settings);
    ReadLayoutForSpares();
    try {
        MonitorServer server(settings, std::move(listener), path);
        return server.Run();
    } catch (const std::exception& e) {
        LogWarning(std::string("Monitor server: ") + e.what());
        return 1;
    }
}

}  // namespace berth::bus
