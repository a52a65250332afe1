// Exec: a new process inside a running container.
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <functional>

#include "launch/child_process.hpp"
#include "launch/launcher.hpp"
#include "launch/namespaces.hpp"
#include "launch/process_plan.hpp"
#include "launch/rootless.hpp"
#include "launch/sync_socket.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/pidfd.hpp"

namespace berth::launch {
namespace {

using config::NamespaceKind;

// The CLONE_NEW* flags of the namespaces in which `pid` differs from us (setns refuses to
// re-enter one's own user namespace, and entering the others again is wasted work).
int DifferingNamespaces(pid_t pid) {
    int flags = 0;
    std::string proc = "/proc/" + std::to_string(pid) + "/ns/";
    for (NamespaceKind kind : config::kAllNamespaceKinds) {
        struct stat theirs, ours;
        std::string name = ProcNsName(kind);
        if (::stat((proc + name).c_str(), &theirs) < 0)
            ThrowErrno("inspect the container's " + std::string(config::NamespaceKindName(kind)) + " namespace");
        if (::stat(("/proc/self/ns/" + name).c_str(), &ours) < 0)
            ThrowErrno("inspect our own " + std::string(config::NamespaceKindName(kind)) + " namespace");
        if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev)
            flags |= CloneFlag(kind);
    }
    return flags;
}

struct ExecChildArgs {
    int init_pidfd;
    int setns_flags;
    const ProcessPlan* process;
    int sync;
    // Rootless: the pid namespace is among setns_flags (an unprivileged parent cannot enter it for
    // us), so the child forks once more for a process born in it and writes its pid here.
    int inner_pid_report = -1;
};

// Forks the process that runs in the pid namespace just entered (setns affects children only); the
// child we are reports its pid and exits, and the parent, a subreaper, inherits it.
void ForkIntoPidNamespace(int pid_report) {
    pid_t inner = ::fork();
    if (inner < 0)
        ThrowErrno("fork into the container's pid namespace");
    if (inner > 0) {
        ssize_t n = ::write(pid_report, &inner, sizeof inner);
        ::_exit(n == static_cast<ssize_t>(sizeof inner) ? 0 : 1);
    }
    ::close(pid_report);
}

[[noreturn]] void RunExecChild(const ExecChildArgs& args) noexcept {
    // See RunContainerInit: /proc/<pid>/exe is the host's berthctl until execve.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (!WaitForGo(args.sync))
        ::_exit(1);
    try {
        // One call enters every namespace of the init at once (pidfd form of setns).
        if (args.setns_flags != 0 && ::setns(args.init_pidfd, args.setns_flags) < 0)
            ThrowErrno("join the container's namespaces");
        if (args.inner_pid_report >= 0)
            ForkIntoPidNamespace(args.inner_pid_report);
        FinishProcess(*args.process, args.sync);
    } catch (...) {
        ReportFailureAndExit(args.sync);
    }
}

// The container's configuration with an exec'd process' own settings in place of the init's.
config::ContainerConfig WithProcess(const config::ContainerConfig& config, const ExecProcess& own,
                                    const std::vector<std::string>& args) {
    config::ContainerConfig with = config;
    with.process = own.process;
    if (!args.empty())
        with.process.args = args;
    with.capabilities = own.capabilities;
    with.rlimits = own.rlimits;
    return with;
}

}  // namespace

Executed Exec(const config::ContainerConfig& config, pid_t init_pid, const cgroup::Placement& placement,
              cgroup::Driver& cgroups, const ExecRequest& request) {
    Pidfd init_pidfd = Pidfd::Open(init_pid);
    if (!init_pidfd)
        ThrowErrno("open the container's init process " + std::to_string(init_pid));
    int flags = DifferingNamespaces(init_pid);

    ProcessPlan process = request.process ? MakeProcessPlan(WithProcess(config, *request.process, request.args)) : MakeProcessPlan(config);
    if (!request.args.empty())
        process.args = request.args;
    if (!request.env.empty())
        process.env = request.env;
    if (request.cwd)
        process.cwd = *request.cwd;
    process.terminal = request.terminal;
    process.window = request.window;
    process.stdio = request.stdio;
    if (flags & CLONE_NEWUSER) {
        std::optional<std::string> setgroups = ReadFileIfExists("/proc/" + std::to_string(init_pid) + "/setgroups");
        process.setgroups_denied = setgroups && TrimRight(*setgroups) == "deny";
    }

    auto [parent_sync, child_sync] = MakeSocketPair(SOCK_SEQPACKET);
    // An unprivileged parent may not enter the container's pid namespace (setns wants CAP_SYS_ADMIN in
    // our own user namespace too): the child enters it with the rest and forks once more, as crun does.
    const bool double_fork = (flags & CLONE_NEWPID) && IsRootless();
    UniqueFd report_read, report_write;
    if (double_fork) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) < 0)
            ThrowErrno("create the exec'd process' pid pipe");
        report_read = UniqueFd(fds[0]);
        report_write = UniqueFd(fds[1]);
        if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
            ThrowErrno("become the subreaper of the exec'd process");
    }
    ExecChildArgs args{init_pidfd.Get(), double_fork ? flags : flags & ~CLONE_NEWPID, &process, child_sync.Get(),
                       double_fork ? report_write.Get() : -1};
    std::optional<ScopedNamespaces> pid_scope;
    if ((flags & CLONE_NEWPID) && !double_fork)
        pid_scope.emplace(ScopedNamespaces::PidOf(init_pidfd.Get()));  // born inside: no double fork
    const std::function<void()> exec_main = [&args] { RunExecChild(args); };
    OwnedChild child = CloneChild(0, exec_main, "clone the exec'd process");
    if (pid_scope)
        pid_scope->Restore();
    child_sync.Reset();
    report_write.Reset();

    cgroups.Attach(placement, child.Pid());
    SendGo(parent_sync.Get());
    UniqueFd terminal = ReceiveUntilExec(parent_sync.Get());
    if (request.terminal && !terminal)
        throw Error("the exec'd process' terminal was not received");

    Executed executed;
    executed.terminal_master = std::move(terminal);
    if (!double_fork) {
        executed.pid = child.Pid();
        executed.pidfd = child.Release();
        return executed;
    }
    pid_t inner = -1;
    ssize_t n;
    while ((n = ::read(report_read.Get(), &inner, sizeof inner)) < 0 && errno == EINTR) {
    }
    if (n != static_cast<ssize_t>(sizeof inner))
        throw Error("the exec'd process' pid was not received");
    // Reaped, the intermediate child leaves the exec'd process to us (its subreaper).
    if (ReapPidfdChild(child.Pidfd(), child.Pid()) != 0)
        throw Error("the exec'd process' intermediate child failed");
    child.Release();
    Pidfd inner_pidfd = Pidfd::Open(inner);
    if (!inner_pidfd)
        ThrowErrno("open the exec'd process " + std::to_string(inner));
    executed.pid = inner;
    executed.pidfd = inner_pidfd.TakeFd();
    return executed;
}

}  // namespace berth::launch
