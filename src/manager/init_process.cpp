#include "manager/init_process.hpp"

#include <cerrno>
#include <string>

#include "util/error.hpp"
#include "util/pidfd.hpp"
#include "util/proc_stat.hpp"

namespace berth::manager {

UniqueFd OpenInitPidfd(pid_t pid, unsigned long long start_time) {
    if (pid <= 0)
        return UniqueFd();
    Pidfd pidfd = Pidfd::Open(pid);
    if (!pidfd) {
        if (errno == ESRCH)
            return UniqueFd();
        ThrowErrno("pidfd_open " + std::to_string(pid));
    }
    UniqueFd fd = pidfd.TakeFd();
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
    if (!SendSignalToPidfd(pidfd, sig))
        ThrowErrno("Failed to send signal " + std::to_string(sig) + " to pid " + std::to_string(pid));
}

bool WaitForPidfdExit(int pidfd, std::optional<std::chrono::milliseconds> timeout) {
    return berth::WaitForPidfdExit(pidfd, timeout);
}

int ReapChild(int pidfd, pid_t pid) { return ReapPidfdChild(pidfd, pid); }

}  // namespace berth::manager
