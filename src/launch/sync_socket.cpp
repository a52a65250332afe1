#include "launch/sync_socket.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "util/error.hpp"

namespace berth::launch {
namespace {

enum class Kind : uint32_t { Go = 1, Failed = 2, TerminalMaster = 3, SetUp = 4, Ready = 5, Gated = 6,
                            HooksDue = 7, HooksDone = 8 };

struct Header {
    Kind kind;
    int32_t err;
};

constexpr size_t kMaxMessage = 4096;
// HooksDone carries the OCI state JSON, annotations and all.
constexpr size_t kMaxStateMessage = 128 * 1024;  // below the default socket send buffer

void SendHeader(int sock, Kind kind, int err, const std::string& text, int passed_fd) {
    char buf[kMaxMessage];
    Header header{kind, err};
    size_t len = std::min(text.size(), sizeof buf - sizeof header);
    std::memcpy(buf, &header, sizeof header);
    std::memcpy(buf + sizeof header, text.data(), len);
    iovec iov{buf, sizeof header + len};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (passed_fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cmsg), &passed_fd, sizeof(int));
    }
    ssize_t n;
    do {
        n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        ThrowErrno("send to the sync socket");
}

}  // namespace

void SendGo(int sock) { SendHeader(sock, Kind::Go, 0, {}, -1); }

// Only syscalls and the stack in these: a child on our memory runs until it answers.
bool SendSetUp(int sock) noexcept {
    Header request{Kind::SetUp, 0};
    ssize_t n;
    do {
        n = ::send(sock, &request, sizeof request, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(sizeof request);
}

void AwaitReady(int sock) noexcept {
    Header answer{};
    ssize_t n;
    do {
        n = ::recv(sock, &answer, sizeof answer, MSG_PEEK);
    } while (n < 0 && errno == EINTR);
    // Failed (and EOF) stay queued for ReceiveUntilExec, which reports them.
    if (n == static_cast<ssize_t>(sizeof answer) && answer.kind == Kind::Ready)
        (void)::recv(sock, &answer, sizeof answer, 0);
}

bool RunChildSetUp(int sock) noexcept {
    if (!SendSetUp(sock))
        return false;
    AwaitReady(sock);
    return true;
}

namespace {

bool WaitFor(int sock, Kind kind) {
    Header header{};
    ssize_t n;
    do {
        n = ::recv(sock, &header, sizeof header, 0);
    } while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(sizeof header) && header.kind == kind;
}

}  // namespace

bool WaitForGo(int sock) { return WaitFor(sock, Kind::Go); }

bool WaitForSetUp(int sock) { return WaitFor(sock, Kind::SetUp); }

void SendReady(int sock) { SendHeader(sock, Kind::Ready, 0, {}, -1); }

void SendFailure(int sock, const std::string& step, int err) noexcept {
    try {
        SendHeader(sock, Kind::Failed, err, step, -1);
    } catch (...) {
        // The parent is gone; the exit status is all that is left.
    }
}

std::optional<std::string> AwaitHooksDone(int sock) {
    SendHeader(sock, Kind::HooksDue, 0, {}, -1);
    std::string buf(kMaxStateMessage, '\0');
    ssize_t n;
    do {
        n = ::recv(sock, buf.data(), buf.size(), 0);
    } while (n < 0 && errno == EINTR);
    Header header{};
    if (n < static_cast<ssize_t>(sizeof header))
        return std::nullopt;
    std::memcpy(&header, buf.data(), sizeof header);
    if (header.kind != Kind::HooksDone)
        return std::nullopt;
    return buf.substr(sizeof header, static_cast<size_t>(n) - sizeof header);
}

namespace {

void SendHooksDone(int sock, const std::string& state) {
    if (state.size() + sizeof(Header) > kMaxStateMessage)
        throw Error("the container's state for its createContainer hooks is too large (" +
                    std::to_string(state.size()) + " bytes)", E2BIG);
    std::string buf(sizeof(Header), '\0');
    Header header{Kind::HooksDone, 0};
    std::memcpy(buf.data(), &header, sizeof header);
    buf += state;
    ssize_t n;
    do {
        n = ::send(sock, buf.data(), buf.size(), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        ThrowErrno("send the container's init its createContainer state");
}

}  // namespace

void SendGated(int sock) { SendHeader(sock, Kind::Gated, 0, {}, -1); }

void SendTerminalMaster(int sock, int master) { SendHeader(sock, Kind::TerminalMaster, 0, {}, master); }

UniqueFd ReceiveUntilExec(int sock, const std::function<std::string()>& on_hooks_due) {
    UniqueFd terminal;
    for (;;) {
        char buf[kMaxMessage];
        iovec iov{buf, sizeof buf};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ThrowErrno("read from the sync socket");
        }
        if (n == 0)
            return terminal;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
                terminal.Reset(fd);
            }
        }
        if (static_cast<size_t>(n) < sizeof(Header))
            throw Error("short message on the sync socket");
        Header header;
        std::memcpy(&header, buf, sizeof header);
        if (header.kind == Kind::Gated)
            return terminal;
        if (header.kind == Kind::HooksDue) {
            if (!on_hooks_due)
                throw Error("the container's init asked for setup hooks nobody configured");
            SendHooksDone(sock, on_hooks_due());
            continue;
        }
        if (header.kind == Kind::Failed)
            throw Error(std::string(buf + sizeof header, static_cast<size_t>(n) - sizeof header), header.err);
    }
}

}  // namespace berth::launch
