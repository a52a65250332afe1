#pragma once
// An owned pidfd (pidfd_open(2)): signals and waits reach the process it was opened for, never a
// later one that reuses its pid.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "util/fd.hpp"

namespace berth {

// The same operations on a pidfd held elsewhere (an OwnedChild, a recorded init).
// pidfd_send_signal(2); false with errno set when it fails.
bool SendSignalToPidfd(int pidfd, int sig) noexcept;
// Waits until the process behind pidfd has exited; true if it did within the timeout
// (nullopt: wait forever). Works for processes that are not our children.
bool WaitForPidfdExit(int pidfd, std::optional<std::chrono::milliseconds> timeout);
// Reaps our child behind pidfd and returns its exit code (128+N for signal N). Blocks.
int ReapPidfdChild(int pidfd, pid_t pid);

class Pidfd {
public:
    Pidfd() noexcept = default;
    explicit Pidfd(UniqueFd fd) noexcept : fd_(std::move(fd)) {}

    // pidfd_open(2); an invalid Pidfd with errno set when it fails (ESRCH: the process is gone).
    static Pidfd Open(pid_t pid) noexcept;
    // pidfd_open(2); throws Error("Failed to open a pidfd for <what>: <errno text>").
    static Pidfd OpenOrThrow(pid_t pid, const std::string& what);

    int Get() const noexcept { return fd_.Get(); }
    bool Valid() const noexcept { return fd_.Valid(); }
    explicit operator bool() const noexcept { return Valid(); }
    // Hands the descriptor over (to a struct that keeps a UniqueFd).
    UniqueFd TakeFd() noexcept { return std::move(fd_); }

    bool SendSignal(int sig) const noexcept { return SendSignalToPidfd(fd_.Get(), sig); }
    bool WaitForExit(std::optional<std::chrono::milliseconds> timeout) const {
        return WaitForPidfdExit(fd_.Get(), timeout);
    }

private:
    UniqueFd fd_;
};

}  // namespace berth
