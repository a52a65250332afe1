#include "checkpoint/criu_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <exception>

#include "util/error.hpp"
#include "util/log.hpp"

namespace berth::checkpoint {

namespace {

// CRIU's messages are small; a response never comes near this.
constexpr size_t kMaxMessage = 64 * 1024;
constexpr size_t kMaxFdsPerMessage = 8;

// In the forked child: only async-signal-safe calls, errors go to stderr and exit 127.
[[noreturn]] void ChildFail(const char* step) {
    const char* reason = strerror(errno);
    const char* parts[] = {"berth: criu swrk: ", step, ": ", reason, "\n"};
    for (const char* part : parts)
        if (::write(STDERR_FILENO, part, strlen(part)) < 0)
            break;
    _exit(127);
}

[[noreturn]] void ExecSwrk(const CriuProcessOptions& options, int socket_fd, const char* fd_text) {
    // Only the child's copies lose close-on-exec: the parent's fds stay private.
    if (::fcntl(socket_fd, F_SETFD, 0) < 0)
        ChildFail("clear close-on-exec on the RPC socket");
    for (int fd : options.inherit_fds)
        if (::fcntl(fd, F_SETFD, 0) < 0)
            ChildFail("clear close-on-exec on an inherited fd");
    if (!options.private_root_bind.empty()) {
        const char* root = options.private_root_bind.c_str();
        if (::unshare(CLONE_NEWNS) < 0)
            ChildFail("unshare the mount namespace");
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
            ChildFail("make / private");
        if (::mount(root, root, nullptr, MS_BIND | MS_REC, nullptr) < 0)
            ChildFail("bind-mount the rootfs onto itself");
        for (const CriuProcessOptions::Tmpfs& tmpfs : options.private_tmpfs) {
            // A read-only one (e.g. the tmpfs of a cgroup mount) is filled first, then made read-only.
            if (::mount("tmpfs", tmpfs.target.c_str(), "tmpfs", tmpfs.flags & ~MS_RDONLY, tmpfs.data.c_str()) < 0)
                ChildFail("mount a fresh tmpfs for one of the container");
            if (!tmpfs.nodes.empty()) {
                int dirfd = ::open(tmpfs.target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dirfd < 0)
                    ChildFail("open a fresh tmpfs");
                if (const char* failed = CreateTmpfsNodes(dirfd, tmpfs.nodes))
                    ChildFail(failed);
                ::close(dirfd);  // the child execs right after: nothing can throw in between
            }
            if ((tmpfs.flags & MS_RDONLY) &&
                ::mount(nullptr, tmpfs.target.c_str(), nullptr, MS_REMOUNT | MS_BIND | tmpfs.flags, nullptr) < 0)
                ChildFail("make a fresh tmpfs read-only");
        }
    }
    const char* path = options.criu_path.c_str();
    char* const argv[] = {const_cast<char*>(path), const_cast<char*>("swrk"), const_cast<char*>(fd_text), nullptr};
    ::execvp(path, argv);
    ChildFail("exec criu");
}

std::string DescribeWaitStatus(int status) {
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return std::string("was killed by signal ") + sigabbrev_np(WTERMSIG(status));
    return "stopped";
}

// SIGINT and SIGTERM blocked and readable from a signalfd, if this thread leaves both to their
// default action (berthd handles them itself and keeps them); `before` gets the old mask.
UniqueFd TakeInterrupts(sigset_t& before) {
    sigset_t both;
    sigemptyset(&both);
    for (int sig : {SIGINT, SIGTERM}) {
        struct sigaction current {};
        if (::sigaction(sig, nullptr, &current) < 0 || current.sa_handler != SIG_DFL)
            return UniqueFd();
        sigaddset(&both, sig);
    }
    if (::pthread_sigmask(SIG_BLOCK, &both, &before) != 0)
        return UniqueFd();
    if (sigismember(&before, SIGINT) || sigismember(&before, SIGTERM)) {
        ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
        return UniqueFd();
    }
    int fd = ::signalfd(-1, &both, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0)
        ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    return UniqueFd(fd);
}

}  // namespace

CriuProcess::CriuProcess(pid_t pid, UniqueFd socket, const CriuProcessOptions& options)
    : pid_(pid),
      socket_(std::move(socket)),
      timeout_(options.timeout),
      log_file_(options.log_file),
      log_limit_(options.log_limit),
      uncorked_fd_(options.uncorked_fd),
      interrupts_(TakeInterrupts(blocked_before_)) {}

CriuProcess CriuProcess::Start(const CriuProcessOptions& options) {
    auto [ours, theirs] = MakeSocketPair(SOCK_SEQPACKET);
    std::string fd_text = std::to_string(theirs.Get());
    pid_t pid = ::fork();
    if (pid < 0)
        ThrowErrno("Failed to fork for criu swrk");
    if (pid == 0)
        ExecSwrk(options, theirs.Get(), fd_text.c_str());
    return CriuProcess(pid, std::move(ours), options);
}

CriuProcess::CriuProcess(CriuProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      socket_(std::move(other.socket_)),
      reaped_(other.reaped_),
      timeout_(other.timeout_),
      log_file_(std::move(other.log_file_)),
      log_limit_(other.log_limit_),
      uncorked_fd_(other.uncorked_fd_),
      blocked_before_(other.blocked_before_),
      interrupts_(std::move(other.interrupts_)) {}

CriuProcess::~CriuProcess() {
    if (interrupts_) {
        interrupts_.Reset();
        ::pthread_sigmask(SIG_SETMASK, &blocked_before_, nullptr);
    }
    if (pid_ <= 0 || reaped_)
        return;
    // Closing the socket ends swrk's session; kill only if it still does not go.
    socket_.Reset();
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

int CriuProcess::Finish() {
    socket_.Reset();
    int status = 0;
    if (!reaped_) {
        while (::waitpid(pid_, &status, 0) < 0) {
            if (errno != EINTR)
                ThrowErrno("Failed to wait for criu swrk (pid " + std::to_string(pid_) + ")");
        }
        reaped_ = true;
    }
    return status;
}

void CriuProcess::Send(const std::string& what, const rpc::criu_req& req) {
    std::string bytes;
    if (!req.SerializeToString(&bytes))
        throw Error("Failed to " + what + ": cannot serialize the " + RequestTypeName(req.type()) + " request");
    ssize_t n;
    do
        n = ::send(socket_.Get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        ThrowErrno("Failed to " + what + ": send " + RequestTypeName(req.type()) + " request to criu swrk");
}

void CriuProcess::WaitReadable(const std::string& what, std::chrono::steady_clock::time_point deadline) {
    using namespace std::chrono;
    for (;;) {
        auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
        if (left.count() <= 0)
            throw Error("Failed to " + what + ": criu swrk did not finish within " +
                            std::to_string(duration_cast<seconds>(timeout_).count()) + " s ([checkpoint] criu_timeout)",
                        ETIMEDOUT);
        pollfd fds[2] = {{socket_.Get(), POLLIN, 0}, {interrupts_ ? interrupts_.Get() : -1, POLLIN, 0}};
        if (uncorked_fd_ >= 0) {
            int corked = 0;
            socklen_t size = sizeof corked;
            if (::getsockopt(uncorked_fd_, IPPROTO_TCP, TCP_CORK, &corked, &size) == 0 && corked) {
                int off = 0;
                ::setsockopt(uncorked_fd_, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
            }
        }
        int n = ::poll(fds, 2,
                       static_cast<int>(std::min<milliseconds::rep>(left.count(), uncorked_fd_ >= 0 ? 5 : 1000)));
        if (n < 0 && errno != EINTR)
            ThrowErrno("Failed to " + what + ": wait for criu swrk");
        signalfd_siginfo signal{};
        if (n > 0 && (fds[1].revents & POLLIN) && ::read(interrupts_.Get(), &signal, sizeof signal) > 0)
            throw Error("Failed to " + what + ": interrupted by SIG" + sigabbrev_np(static_cast<int>(signal.ssi_signo)),
                        EINTR);
        struct stat log_stat {};
        if (!log_file_.empty() && ::stat(log_file_.c_str(), &log_stat) == 0 && log_stat.st_size > log_limit_) {
            // Kept at the limit: the start of the log says what went wrong.
            if (::truncate(log_file_.c_str(), log_limit_) < 0)
                LogDebug("Failed to truncate " + log_file_ + ": " + std::strerror(errno));
            throw Error("Failed to " + what + ": CRIU's log " + log_file_ + " grew past " +
                            std::to_string(log_limit_ >> 20) + " MiB (CRIU loops on a corrupt image?)",
                        EFBIG);
        }
        if (n > 0 && fds[0].revents != 0)
            return;
    }
}

std::string CriuProcess::Receive(const std::string& what, std::vector<UniqueFd>& fds,
                                 std::chrono::steady_clock::time_point deadline) {
    WaitReadable(what, deadline);
    std::string buffer(kMaxMessage, '\0');
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n;
    do
        n = ::recvmsg(socket_.Get(), &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        ThrowErrno("Failed to " + what + ": receive from criu swrk");
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            fds.emplace_back(fd);
        }
    }
    if (n == 0) {
        // swrk is gone: its exit status is the best reason there is.
        int status = Finish();
        throw Error("Failed to " + what + ": criu swrk " + DescribeWaitStatus(status) + " without answering");
    }
    if (msg.msg_flags & MSG_TRUNC)
        throw Error("Failed to " + what + ": a message from criu swrk was larger than " + std::to_string(kMaxMessage) +
                    " bytes");
    buffer.resize(static_cast<size_t>(n));
    return buffer;
}

rpc::criu_req DirectoryRequest(rpc::criu_req_type type, int images_dir_fd, int work_dir_fd) {
    rpc::criu_req req;
    req.set_type(type);
    req.set_notify_success(true);
    req.mutable_opts()->set_images_dir_fd(images_dir_fd);
    req.mutable_opts()->set_work_dir_fd(work_dir_fd);
    return req;
}

rpc::criu_resp CriuProcess::Call(const std::string& what, const rpc::criu_req& req, const NotifyHandler& on_notify) {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    Send(what, req);
    std::vector<UniqueFd> pending_fds;  // fds CRIU sent in a message of their own, before a NOTIFY
    std::exception_ptr handler_error;
    for (;;) {
        size_t fds_before = pending_fds.size();
        std::string bytes = Receive(what, pending_fds, deadline);
        rpc::criu_resp resp;
        if (!resp.ParseFromString(bytes)) {
            if (pending_fds.size() > fds_before)
                continue;  // an fd-carrying message with a placeholder payload
            throw Error("Failed to " + what + ": criu swrk sent a message that is not a criu_resp (" +
                        std::to_string(bytes.size()) + " bytes)");
        }
        if (resp.type() != rpc::NOTIFY) {
            if (handler_error)
                std::rethrow_exception(handler_error);
            return resp;
        }
        CriuNotification notification;
        notification.script = resp.notify().script();
        notification.pid = resp.notify().pid();
        if (!pending_fds.empty()) {
            notification.fd = std::move(pending_fds.front());
            pending_fds.erase(pending_fds.begin());
        }
        bool ok = true;
        if (on_notify && !handler_error) {
            try {
                on_notify(notification);
            } catch (...) {
                handler_error = std::current_exception();
                ok = false;
            }
        }
        rpc::criu_req answer;
        answer.set_type(rpc::NOTIFY);
        answer.set_notify_success(ok);
        Send(what, answer);
    }
}

rpc::criu_resp ParseCriuResponse(std::string_view bytes, const std::string& what) {
    rpc::criu_resp resp;
    if (!resp.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        throw Error("Failed to " + what + ": not a criu_resp message (" + std::to_string(bytes.size()) + " bytes)");
    return resp;
}

std::string RequestTypeName(rpc::criu_req_type type) {
    const std::string& name = rpc::criu_req_type_Name(type);
    return name.empty() ? "request type " + std::to_string(static_cast<int>(type)) : name;
}

}  // namespace berth::checkpoint
