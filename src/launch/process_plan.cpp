#include "launch/process_plan.hpp"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch/process.hpp"
#include "launch/sync_socket.hpp"
#include "launch/terminal.hpp"
#include "util/error.hpp"

namespace berth::launch {
namespace {

// OCI create: tell the parent we are ready, then block until `start` writes a byte (or every
// writer is gone: the container was deleted). A missing program fails create, as runc's does.
void WaitAtStartGate(const ProcessPlan& plan, int sync) {
    if (!FindProgram(plan.args[0], plan.env))
        ThrowErrno(ENOENT, "find " + plan.args[0] + " in the container (searched " + SearchPathOf(plan.env) + ")");
    SendGated(sync);
    // Our copies of the parent's fds (the container's lock among them) must not outlive it: only
    // 0-2 and the gate stay. Nobody reads the sync socket any more.
    const unsigned gate = static_cast<unsigned>(plan.start_gate);
    if ((gate > 3 && ::syscall(SYS_close_range, 3u, gate - 1, 0u) < 0) ||
        ::syscall(SYS_close_range, gate + 1, ~0u, 0u) < 0)
        ::_exit(1);
    char byte;
    ssize_t n;
    while ((n = ::read(plan.start_gate, &byte, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1)
        ::_exit(1);
    ::close(plan.start_gate);
}

}  // namespace

ProcessPlan MakeProcessPlan(const config::ContainerConfig& config) {
    ProcessPlan plan;
    const config::ProcessConfig& p = config.process;
    plan.args = p.args;
    plan.env = p.env;
    plan.cwd = p.cwd.empty() ? "/" : p.cwd;
    plan.uid = p.uid;
    plan.gid = p.gid;
    plan.additional_gids = p.additional_gids;
    plan.no_new_privileges = p.no_new_privileges;
    plan.terminal = p.terminal;
    plan.capabilities = ResolveCapabilities(config.capabilities);
    plan.rlimits = ResolveRlimits(config.rlimits);
    plan.seccomp = MakeSeccompFilter(config.seccomp);
    if (plan.args.empty())
        throw Error("no command to run: process.args is empty");
    if (plan.cwd[0] != '/')
        throw Error("process.cwd must be an absolute path, not '" + plan.cwd + "'");
    return plan;
}

void FinishProcess(const ProcessPlan& plan, int sync) {
    if (plan.terminal) {
        SetUpTerminal(sync, plan.uid, plan.gid);  // setsid + controlling tty
    } else {
        InstallStdio(plan.stdio);
        // A session of its own, as with a terminal: CRIU refuses to dump a pid namespace whose
        // init's session leader is outside it. A fresh child is never a group leader.
        if (::setsid() < 0)
            ThrowErrno("setsid");
    }
    CloseInheritedFds();
    ApplyRlimits(plan.rlimits);
    if (plan.seccomp && !plan.no_new_privileges)
        plan.seccomp->Load();
    DropBoundingSet(plan.capabilities);
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        ThrowErrno("prctl PR_SET_KEEPCAPS");
    SwitchUser(plan.uid, plan.gid, plan.additional_gids, plan.setgroups_denied);
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        ThrowErrno("prctl PR_SET_KEEPCAPS");
    if (::chdir(plan.cwd.c_str()) < 0)
        ThrowErrno("chdir to " + plan.cwd);
    ApplyCapabilitySets(plan.capabilities);
    if (plan.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        ThrowErrno("prctl PR_SET_NO_NEW_PRIVS");
    ::umask(022);
    ResetSignals();
    if (plan.start_gate >= 0)
        WaitAtStartGate(plan, sync);
    if (plan.seccomp && plan.no_new_privileges)
        plan.seccomp->Load();
    ExecProgram(plan.args, plan.env);
}

void ReportFailureAndExit(int sync, bool wait_for_go) noexcept {
    std::string step;
    int err = 0;
    try {
        throw;
    } catch (const Error& e) {
        step = e.Context();
        err = e.Errno();
    } catch (const std::exception& e) {
        step = e.what();
    } catch (...) {
        step = "unknown failure in the container's setup";
    }
    // Nothing is freed once the parent may run again: it shares our memory (CLONE_VM).
    SendFailure(sync, step, err);
    if (wait_for_go)
        (void)WaitForGo(sync);
    ::_exit(127);
}

}  // namespace berth::launch
