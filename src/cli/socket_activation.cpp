#include "cli/socket_activation.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>

#include "util/error.hpp"
#include "util/log.hpp"

namespace berth::cli {

ListenFds TakeListenFds() {
    ListenFds fds;
    const char* pid = std::getenv("LISTEN_PID");
    const char* count = std::getenv("LISTEN_FDS");
    if (pid && count && std::atoll(pid) == static_cast<long long>(::getpid())) {
        fds.count = std::atoi(count);
        if (const char* names = std::getenv("LISTEN_FDNAMES"))
            fds.names = names;
        if (fds.count < 0 || fds.count > 1024)
            throw Error(std::string("LISTEN_FDS=") + count + ": expected a number of fds from systemd");
        for (int fd = 3; fd < 3 + fds.count; ++fd)
            if (::fcntl(fd, F_GETFD) < 0)
                ThrowErrno("Failed to take socket activation fd " + std::to_string(fd) + " (LISTEN_FDS=" + count + ")");
        LogDebug("socket activation: passing fds 3-" + std::to_string(2 + fds.count) + " into the container");
    }
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    return fds;
}

}  // namespace berth::cli
