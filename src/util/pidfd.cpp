#include "util/pidfd.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "util/error.hpp"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace berth {

bool SendSignalToPidfd(int pidfd, int sig) noexcept {
    return ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0;
}

bool WaitForPidfdExit(int pidfd, std::optional<std::chrono::milliseconds> timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout.value_or(std::chrono::milliseconds(0));
    for (;;) {
        int wait_ms = -1;
        if (timeout) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            wait_ms = static_cast<int>(std::max<long long>(0, left.count()));
        }
        pollfd pfd = {pidfd, POLLIN, 0};
        int n = ::poll(&pfd, 1, wait_ms);
        if (n > 0)
            return true;
        if (n == 0)
            return false;
        if (errno != EINTR)
            ThrowErrno("poll pidfd");
    }
}

int ReapPidfdChild(int pidfd, pid_t pid) {
    siginfo_t info = {};
    while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED) < 0)
        if (errno != EINTR)
            ThrowErrno("Failed to wait for pid " + std::to_string(pid));
    if (info.si_code == CLD_EXITED)
        return info.si_status;
    return 128 + info.si_status;
}

Pidfd Pidfd::Open(pid_t pid) noexcept {
    return Pidfd(UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))));
}

Pidfd Pidfd::OpenOrThrow(pid_t pid, const std::string& what) {
    Pidfd pidfd = Open(pid);
    if (!pidfd)
        ThrowErrno("Failed to open a pidfd for " + what);
    return pidfd;
}

}  // namespace berth
