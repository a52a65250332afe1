#include "manager/init_process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "util/error.hpp"
#include "util/proc_stat.hpp"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace berth::manager {

UniqueFd OpenInitPidfd(pid_t pid, unsigned long long start_time) {
    if (pid <= 0)
        return UniqueFd();
    int raw = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (raw < 0) {
        if (errno == ESRCH)
            return UniqueFd();
        ThrowErrno("pidfd_open " + std::to_string(pid));
    }
    UniqueFd fd(raw);
    // Checked after opening: if the start time still matches now, the pidfd holds the right process.
    if (ProcessStartTime(pid) != start_time || ProcessStateChar(pid) == 'Z')
        return UniqueFd();
    return fd;
}

bool InitAlive(pid_t pid, unsigned long long start_time) {
    if (pid <= 0)
        return false;
    return ProcessStartTime(pid) == start_time && ProcessStateChar(pid).value_or('Z') != 'Z';
}

void SendSignal(int pidfd, pid_t pid, int sig) {
    if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0)
        ThrowErrno("Failed to send signal " + std::to_string(sig) + " to pid " + std::to_string(pid));
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

int ReapChild(int pidfd, pid_t pid) {
    siginfo_t info = {};
    while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED) < 0)
        if (errno != EINTR)
            ThrowErrno("Failed to wait for pid " + std::to_string(pid));
    if (info.si_code == CLD_EXITED)
        return info.si_status;
    return 128 + info.si_status;
}

}  // namespace berth::manager
