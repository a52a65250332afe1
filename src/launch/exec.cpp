// Exec: a new process inside a running container.
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
#include "launch/sync_socket.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

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
};

[[noreturn]] void RunExecChild(const ExecChildArgs& args) noexcept {
    // See RunContainerInit: /proc/<pid>/exe is the host's berthctl until execve.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (!WaitForGo(args.sync))
        ::_exit(1);
    try {
        // One call enters every namespace of the init at once (pidfd form of setns).
        if (args.setns_flags != 0 && ::setns(args.init_pidfd, args.setns_flags) < 0)
            ThrowErrno("join the container's namespaces");
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
    int raw_pidfd = static_cast<int>(::syscall(SYS_pidfd_open, init_pid, 0));
    if (raw_pidfd < 0)
        ThrowErrno("open the container's init process " + std::to_string(init_pid));
    UniqueFd init_pidfd(raw_pidfd);
    int flags = DifferingNamespaces(init_pid);

    ProcessPlan process = request.process ? MakeProcessPlan(WithProcess(config, *request.process, request.args)) : MakeProcessPlan(config);
    if (!request.args.empty())
        process.args = request.args;
    if (!request.env.empty())
        process.env = request.env;
    if (request.cwd)
        process.cwd = *request.cwd;
    process.terminal = request.terminal;
    process.stdio = request.stdio;
    if (flags & CLONE_NEWUSER) {
        std::optional<std::string> setgroups = ReadFileIfExists("/proc/" + std::to_string(init_pid) + "/setgroups");
        process.setgroups_denied = setgroups && TrimRight(*setgroups) == "deny";
    }

    auto [parent_sync, child_sync] = MakeSocketPair(SOCK_SEQPACKET);
    ExecChildArgs args{init_pidfd.Get(), flags & ~CLONE_NEWPID, &process, child_sync.Get()};
    std::optional<ScopedNamespaces> pid_scope;
    if (flags & CLONE_NEWPID)
        pid_scope.emplace(ScopedNamespaces::PidOf(init_pidfd.Get()));  // born inside: no double fork
    const std::function<void()> exec_main = [&args] { RunExecChild(args); };
    OwnedChild child = CloneChild(0, exec_main, "clone the exec'd process");
    if (pid_scope)
        pid_scope->Restore();
    child_sync.Reset();

    cgroups.Attach(placement, child.Pid());
    SendGo(parent_sync.Get());
    UniqueFd terminal = ReceiveUntilExec(parent_sync.Get());
    if (request.terminal && !terminal)
        throw Error("the exec'd process' terminal was not received");

    Executed executed;
    executed.pid = child.Pid();
    executed.terminal_master = std::move(terminal);
    executed.pidfd = child.Release();
    return executed;
}

}  // namespace berth::launch
