#include "launch/network.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth::launch {

void BringUpLoopback() {
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock)
        ThrowErrno("bring up lo: socket");
    ifreq req{};
    std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
    // A new namespace's lo is always down: set the flags without reading them first.
    req.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
    if (::ioctl(sock.Get(), SIOCSIFFLAGS, &req) < 0)
        ThrowErrno("bring up lo");
}

}  // namespace berth::launch
