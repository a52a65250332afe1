#pragma once
// One message with file descriptors attached (SCM_RIGHTS) over a unix socket, e.g. SOCK_SEQPACKET.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "util/fd.hpp"

namespace berth {

struct ReceivedMessage {
    std::string bytes;
    std::vector<UniqueFd> fds;  // close-on-exec
};

// Sends bytes (one message) with fds attached; retries on EINTR, never raises SIGPIPE. Throws Error.
void SendWithFds(int socket, const std::string& bytes, const std::vector<int>& fds);
// Receives one message of at most max_bytes with at most max_fds fds; nullopt at EOF. Throws Error,
// also when the message or its fds were truncated (the fds that did arrive are closed).
std::optional<ReceivedMessage> ReceiveWithFds(int socket, size_t max_bytes, size_t max_fds);

}  // namespace berth
