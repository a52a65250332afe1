#include "launch/child_process.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/pidfd.hpp"
#include "util/sanitizer.hpp"

namespace berth::launch {
namespace {

constexpr size_t kChildStackSize = 1 << 20;  // mapped lazily: only touched pages cost anything

int RunChild(void* arg) {
    (*static_cast<const std::function<void()>*>(arg))();
    ::_exit(127);
}

// clone() as fork() does it: the child runs on a copy of this thread's stack, where ASan expects
// it (on a stack of its own ASan warns "ignoring requested __asan_handle_no_return" into the
// container's stderr and reports false stack-use-after-scope errors from stale shadow memory).
OwnedChild CloneOnStackCopy(int namespace_flags, const std::function<void()>& child, const std::string& what) {
    int pidfd = -1;
    // x86-64 and arm64 order: flags, stack (null: the caller's, copied), parent_tid (the pidfd), child_tid, tls.
    long pid = ::syscall(SYS_clone, static_cast<unsigned long>(CLONE_PIDFD | namespace_flags | SIGCHLD), nullptr,
                         &pidfd, nullptr, 0UL);
    if (pid < 0)
        ThrowErrno(what);
    if (pid == 0) {
        child();
        ::_exit(127);
    }
    return OwnedChild(static_cast<pid_t>(pid), UniqueFd(pidfd));
}

}  // namespace

OwnedChild::OwnedChild(OwnedChild&& other) noexcept
    : pid_(other.pid_),
      pidfd_(std::move(other.pidfd_)),
      released_(other.released_),
      stack_(std::exchange(other.stack_, nullptr)),
      stack_size_(other.stack_size_),
      restore_dumpable_(std::exchange(other.restore_dumpable_, -1)) {}

OwnedChild::~OwnedChild() {
    if (!released_ && pidfd_) {
        SendSignalToPidfd(pidfd_.Get(), SIGKILL);
        siginfo_t info;
        while (::waitid(P_PIDFD, static_cast<id_t>(pidfd_.Get()), &info, WEXITED) < 0 && errno == EINTR) {
        }
    }
    // The child has exec'd or is reaped: it no longer runs on our memory.
    if (stack_)
        ::munmap(stack_, stack_size_);
    if (restore_dumpable_ >= 0)
        ::prctl(PR_SET_DUMPABLE, restore_dumpable_, 0, 0, 0);
}

OwnedChild CloneChild(int namespace_flags, const std::function<void()>& child, const std::string& what,
                      bool share_memory) {
    if (namespace_flags == 0) {
        // The unreaped child's pid cannot be reused, so pidfd_open right after fork is race-free.
        pid_t pid = ::fork();
        if (pid < 0)
            ThrowErrno(what);
        if (pid == 0) {
            child();
            ::_exit(127);
        }
        Pidfd pidfd = Pidfd::Open(pid);
        if (!pidfd) {
            int err = errno;
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            ThrowErrno(err, what + ": pidfd_open");
        }
        return OwnedChild(pid, pidfd.TakeFd());
    }
    if (kAddressSanitizer && !share_memory)
        return CloneOnStackCopy(namespace_flags, child, what);
    void* stack = ::mmap(nullptr, kChildStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                         -1, 0);
    if (stack == MAP_FAILED)
        ThrowErrno(what + ": allocate a stack");
    // Non-dumpable before the child exists: the flag lives in the mm we are about to share.
    int dumpable = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    int pidfd = -1;
    pid_t pid = ::clone(RunChild, static_cast<char*>(stack) + kChildStackSize,
                        (share_memory ? CLONE_VM : 0) | CLONE_PIDFD | namespace_flags | SIGCHLD, const_cast<std::function<void()>*>(&child),
                        &pidfd);
    if (pid < 0) {
        int err = errno;
        ::munmap(stack, kChildStackSize);
        ::prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
        ThrowErrno(err, what);
    }
    OwnedChild owned(pid, UniqueFd(pidfd));
    owned.stack_ = stack;
    owned.stack_size_ = kChildStackSize;
    owned.restore_dumpable_ = dumpable;
    return owned;
}

unsigned long long ReadStartTime(pid_t pid) {
    std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
    // The command name (field 2) may contain spaces and ')': count fields after the last ')'.
    size_t pos = stat.rfind(')');
    if (pos == std::string::npos)
        throw Error("unexpected /proc/" + std::to_string(pid) + "/stat");
    int field = 2;
    const char* p = stat.c_str() + pos + 1;
    while (*p && field < 22) {
        while (*p == ' ')
            ++p;
        ++field;
        if (field == 22)
            return std::strtoull(p, nullptr, 10);
        while (*p && *p != ' ')
            ++p;
    }
    throw Error("unexpected /proc/" + std::to_string(pid) + "/stat");
}

}  // namespace berth::launch
