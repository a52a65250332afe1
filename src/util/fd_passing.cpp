#include "util/fd_passing.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace berth {

void SendWithFds(int socket, const std::string& bytes, const std::vector<int>& fds) {
    struct iovec iov = {const_cast<char*>(bytes.data()), bytes.size()};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control;
    if (!fds.empty()) {
        control.resize(CMSG_SPACE(sizeof(int) * fds.size()));
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
    }
    ssize_t n;
    while ((n = sendmsg(socket, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    if (n < 0)
        ThrowErrno("Failed to send a message with " + std::to_string(fds.size()) + " fds");
    if (static_cast<size_t>(n) != bytes.size())
        throw Error("Failed to send a message with fds: short write", EIO);
}

std::optional<ReceivedMessage> ReceiveWithFds(int socket, size_t max_bytes, size_t max_fds) {
    ReceivedMessage received;
    received.bytes.resize(max_bytes);
    struct iovec iov = {received.bytes.data(), received.bytes.size()};
    std::vector<char> control(CMSG_SPACE(sizeof(int) * max_fds));
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ssize_t n;
    while ((n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (n < 0)
        ThrowErrno("Failed to receive a message with fds");
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            received.fds.emplace_back(fd);
        }
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
        throw Error("Failed to receive a message with fds: truncated", EMSGSIZE);
    if (n == 0 && received.fds.empty())
        return std::nullopt;
    received.bytes.resize(static_cast<size_t>(n));
    return received;
}

}  // namespace berth
