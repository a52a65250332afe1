#include "launch/sync_socket.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "util/error.hpp"

namespace berth::launch {
namespace {

enum class Kind : uint32_t { Go = 1, Failed = 2, TerminalMaster = 3, SetUp = 4, Ready = 5, Gated = 6 };

struct Header {
    Kind kind;
    int32_t err;
};

constexpr size_t kMaxMessage = 4096;

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

bool RunChildSetUp(int sock) noexcept {
    // Only syscalls and the stack here: the child runs on our memory until it answers.
    Header request{Kind::SetUp, 0};
    ssize_t n;
    do {
        n = ::send(sock, &request, sizeof request, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof request))
        return false;
    Header answer{};
    do {
        n = ::recv(sock, &answer, sizeof answer, MSG_PEEK);
    } while (n < 0 && errno == EINTR);
    // Failed (and EOF) stay queued for ReceiveUntilExec, which reports them.
    if (n == static_cast<ssize_t>(sizeof answer) && answer.kind == Kind::Ready)
        (void)::recv(sock, &answer, sizeof answer, 0);
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

void SendGated(int sock) { SendHeader(sock, Kind::Gated, 0, {}, -1); }

void SendTerminalMaster(int sock, int master) { SendHeader(sock, Kind::TerminalMaster, 0, {}, master); }

UniqueFd ReceiveUntilExec(int sock) {
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
        if (header.kind == Kind::Failed)
            throw Error(std::string(buf + sizeof header, static_cast<size_t>(n) - sizeof header), header.err);
    }
}

}  // namespace berth::launch
