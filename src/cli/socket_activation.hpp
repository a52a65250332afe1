#pragma once
// The sockets systemd passed berthctl (socket activation, sd_listen_fds(3)): fds 3..3+count-1,
// for the container's init.
#include <string>

namespace berth::cli {

struct ListenFds {
    int count = 0;
    std::string names;  // LISTEN_FDNAMES, colon-separated, "" when not given
};

// The fds passed to this process (LISTEN_PID is ours), with LISTEN_* removed from our environment
// so nothing else takes them; count 0 when none were.
ListenFds TakeListenFds();

}  // namespace berth::cli
