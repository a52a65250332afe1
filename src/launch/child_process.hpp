#pragma once
// clone3() of a child that runs code of this process (no re-exec), and ownership of it until it
// is handed to the caller: killed and reaped if setup fails.
#include <sys/types.h>

#include <functional>

#include "util/fd.hpp"

namespace berth::launch {

class OwnedChild {
public:
    OwnedChild(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    OwnedChild(OwnedChild&&) = default;
    OwnedChild& operator=(OwnedChild&&) = delete;
    ~OwnedChild();  // SIGKILL + reap, unless released
    pid_t Pid() const { return pid_; }
    int Pidfd() const { return pidfd_.Get(); }
    UniqueFd Release() { released_ = true; return std::move(pidfd_); }

private:
    pid_t pid_;
    UniqueFd pidfd_;
    bool released_ = false;
};

// clone3 with CLONE_PIDFD | extra_flags and SIGCHLD; the child runs `child` (which must not
// return) on a copy of this process' memory. Throws Error naming `what` on failure.
// With namespace flags this is a raw clone3 (glibc's fork cannot create namespaces), whose child
// may only allocate memory safely when the caller is single-threaded (berthctl, berthd's
// monitor); without flags it is glibc's fork(), safe from any caller.
OwnedChild CloneChild(int extra_flags, const std::function<void()>& child, const std::string& what);

// /proc/PID/stat field 22 (start time in clock ticks since boot).
unsigned long long ReadStartTime(pid_t pid);

}  // namespace berth::launch
