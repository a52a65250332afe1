#pragma once
// A container's recorded init, reached through a pidfd so a reused pid is never signalled.
#include <sys/types.h>

#include <chrono>
#include <optional>

#include "util/fd.hpp"

namespace berth::manager {

// A pidfd for pid if it is still the process started at start_time (and not a zombie);
// an invalid UniqueFd when that process is gone.
UniqueFd OpenInitPidfd(pid_t pid, unsigned long long start_time);
// Whether that process still runs.
bool InitAlive(pid_t pid, unsigned long long start_time);

// pidfd_send_signal; throws Error naming the pid.
void SendSignal(int pidfd, pid_t pid, int sig);

// Waits until the process behind pidfd has exited; true if it did within the timeout
// (nullopt: wait forever). Works for processes that are not our children.
bool WaitForPidfdExit(int pidfd, std::optional<std::chrono::milliseconds> timeout);

// Reaps our child behind pidfd and returns its exit code (128+N for signal N). Blocks.
int ReapChild(int pidfd, pid_t pid);

}  // namespace berth::manager
