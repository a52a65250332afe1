#include "util/phase_marker.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

namespace berth {
namespace {

int FdFromEnv(const char* variable) {
    const char* value = std::getenv(variable);
    if (!value || !*value)
        return -1;
    char* end = nullptr;
    long fd = std::strtol(value, &end, 10);
    if (*end != '\0' || fd < 0 || fd > 1024 || ::fcntl(static_cast<int>(fd), F_GETFD) < 0)
        return -1;
    // Neither the container nor anything else this process execs may inherit the test's pipes.
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
}

struct MarkerFds {
    int marker = FdFromEnv("BERTH_PHASE_FD");
    int ack = FdFromEnv("BERTH_PHASE_ACK_FD");
};

MarkerFds& Fds() {
    static MarkerFds fds;
    return fds;
}

}  // namespace

void PhaseMarker(const char* name) {
    const MarkerFds& fds = Fds();
    if (fds.marker < 0 || fds.ack < 0)
        return;
    const std::string line = std::string("phase ") + name + " " + std::to_string(::getpid()) + "\n";
    if (::write(fds.marker, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        return;
    char byte;
    while (::read(fds.ack, &byte, 1) < 0 && errno == EINTR) {
    }
}

void EndPhaseMarkers() {
    MarkerFds& fds = Fds();
    for (int* fd : {&fds.marker, &fds.ack})
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
}

}  // namespace berth
