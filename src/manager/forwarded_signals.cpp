#include "manager/forwarded_signals.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.hpp"

namespace berth::manager {

ForwardedSignals::ForwardedSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH})
        sigaddset(&set, sig);
    // pthread_sigmask: berthd may forward from a worker thread; the mask is per thread.
    if (int r = ::pthread_sigmask(SIG_BLOCK, &set, &previous_mask_); r != 0)
        ThrowErrno(r, "Failed to block signals for forwarding");
    int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        ::pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
        ThrowErrno(err, "Failed to create signalfd");
    }
    fd_.Reset(fd);
}

ForwardedSignals::~ForwardedSignals() {
    // Drop what is still pending first, so unblocking does not deliver it to us with its default action.
    while (Next()) {
    }
    ::pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

std::optional<int> ForwardedSignals::Next() {
    signalfd_siginfo info;
    for (;;) {
        ssize_t n = ::read(fd_.Get(), &info, sizeof info);
        if (n == static_cast<ssize_t>(sizeof info))
            return static_cast<int>(info.ssi_signo);
        if (n < 0 && errno == EINTR)
            continue;
        return std::nullopt;
    }
}

}  // namespace berth::manager
