#include "launch/child_process.hpp"

#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::launch {

OwnedChild::~OwnedChild() {
    if (released_ || !pidfd_)
        return;
    ::syscall(SYS_pidfd_send_signal, pidfd_.Get(), SIGKILL, nullptr, 0);
    siginfo_t info;
    while (::waitid(P_PIDFD, static_cast<id_t>(pidfd_.Get()), &info, WEXITED) < 0 && errno == EINTR) {
    }
}

OwnedChild CloneChild(int extra_flags, const std::function<void()>& child, const std::string& what) {
    if (extra_flags == 0) {
        // Plain fork(): glibc takes its malloc locks around it, so this is safe from a
        // multi-threaded caller (berthd's exec). The unreaped child's pid cannot be reused, so
        // pidfd_open right after is race-free.
        pid_t pid = ::fork();
        if (pid < 0)
            ThrowErrno(what);
        if (pid == 0) {
            child();
            ::_exit(127);
        }
        int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        if (fd < 0) {
            int err = errno;
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            ThrowErrno(err, what + ": pidfd_open");
        }
        return OwnedChild(pid, UniqueFd(fd));
    }
    int pidfd = -1;
    clone_args args{};
    args.flags = CLONE_PIDFD | static_cast<uint64_t>(static_cast<unsigned>(extra_flags));
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0)
        ThrowErrno(what);
    if (pid == 0) {
        child();
        ::_exit(127);
    }
    return OwnedChild(static_cast<pid_t>(pid), UniqueFd(pidfd));
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
