#pragma once
// Starting a child that runs code of this process (no re-exec), and owning it until it is handed
// to the caller: killed and reaped if setup fails.
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>

#include "util/fd.hpp"

namespace berth::launch {

class OwnedChild {
public:
    OwnedChild(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    OwnedChild(OwnedChild&& other) noexcept;
    OwnedChild& operator=(OwnedChild&&) = delete;
    // SIGKILL + reap unless released; then frees the shared-memory child's stack and makes this
    // process dumpable again (see CloneChild).
    ~OwnedChild();
    pid_t Pid() const { return pid_; }
    int Pidfd() const { return pidfd_.Get(); }
    // Hands the pidfd over. Call only once the child has exec'd (or is gone).
    UniqueFd Release() {
        released_ = true;
        return std::move(pidfd_);
    }

private:
    friend OwnedChild CloneChild(int, const std::function<void()>&, const std::string&, bool);
    pid_t pid_;
    UniqueFd pidfd_;
    bool released_ = false;
    void* stack_ = nullptr;
    size_t stack_size_ = 0;
    int restore_dumpable_ = -1;
};

// Starts `child` (which must not return) in a new process; throws Error naming `what` on failure.
// `child` and everything it reads must outlive the returned OwnedChild (declare them before it).
//  - With namespace flags: clone(CLONE_VM | CLONE_PIDFD | flags) on a stack of its own, like
//    posix_spawn: no page-table copy and no copy-on-write faults, which are most of a fork's
//    cost. The child shares our memory until execve, so the protocol must keep the two from
//    running heap code at the same time: the parent only waits on the sync socket while the
//    child works, and the child only waits while the parent works. Our mm is marked
//    non-dumpable for that time (it is the child's too); the destructor restores it.
//    Needs a single-threaded caller (berthctl, berthd's per-container monitor).
//    share_memory false: the same clone without CLONE_VM (a copy, as fork), for a child that must
//    outlive us before its execve (an OCI init waiting at its start gate).
//  - Without flags: glibc's fork() + pidfd_open, safe from a multi-threaded caller (exec).
OwnedChild CloneChild(int namespace_flags, const std::function<void()>& child, const std::string& what,
                      bool share_memory = true);

// /proc/PID/stat field 22 (start time in clock ticks since boot).
unsigned long long ReadStartTime(pid_t pid);

}  // namespace berth::launch
