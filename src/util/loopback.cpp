#include "util/loopback.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>
#include <exception>
#include <thread>

#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth {

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

void BringUpLoopbackIn(const std::string& netns_path) {
    UniqueFd netns = OpenOrThrow(netns_path, O_RDONLY);
    std::exception_ptr failure;
    // setns(CLONE_NEWNET) moves only the calling thread: a thread of its own keeps ours untouched.
    std::thread joined([&] {
        try {
            if (::setns(netns.Get(), CLONE_NEWNET) < 0)
                ThrowErrno("join the network namespace");
            BringUpLoopback();
        } catch (const Error& e) {
            failure = std::make_exception_ptr(Error("Failed to " + e.Context() + " in " + netns_path, e.Errno()));
        } catch (...) {
            failure = std::current_exception();
        }
    });
    joined.join();
    if (failure)
        std::rethrow_exception(failure);
}

}  // namespace berth
