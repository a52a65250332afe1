#include "launch/process_plan.hpp"

#include <algorithm>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch/process.hpp"
#include "launch/sync_socket.hpp"
#include "launch/terminal.hpp"
#include "util/error.hpp"
#include "util/hook_program.hpp"

namespace berth::launch {
namespace {

// Closes every fd from `first` on except those in `kept`.
void CloseFdsExcept(unsigned first, std::vector<int> kept) {
    std::sort(kept.begin(), kept.end());
    for (int fd : kept) {
        if (fd < 0 || static_cast<unsigned>(fd) < first)
            continue;
        if (static_cast<unsigned>(fd) > first && ::syscall(SYS_close_range, first, fd - 1, 0u) < 0)
            ThrowErrno("close the inherited fds from " + std::to_string(first));
        first = static_cast<unsigned>(fd) + 1;
    }
    if (::syscall(SYS_close_range, first, ~0u, 0u) < 0)
        ThrowErrno("close the inherited fds from " + std::to_string(first));
}

bool ReadFully(int fd, void* data, size_t size) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
        ssize_t n = ::read(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

// The startContainer hooks, with the state `start` sent after its byte (u32 length, then JSON).
// A failure is written to the gate's result FIFO, for `start` to report, and the init exits.
void RunStartContainerHooks(const ProcessPlan& plan) {
    uint32_t size = 0;
    if (!ReadFully(plan.start_gate, &size, sizeof size))
        ::_exit(1);
    std::string state(size, '\0');
    if (!ReadFully(plan.start_gate, state.data(), state.size()))
        ::_exit(1);
    for (const HookProgram& hook : plan.start_hooks) {
        try {
            RunHookProgram(hook, state);
        } catch (const std::exception& e) {
            const std::string reason = std::string("Failed to run the startContainer hooks: ") + e.what();
            if (plan.start_result >= 0)
                (void)!::write(plan.start_result, reason.data(), reason.size());
            ::_exit(1);
        }
    }
}

// OCI create: tell the parent we are ready, then block until `start` writes a byte (or every
// writer is gone: the container was deleted). A missing program fails create, as runc's does.
void WaitAtStartGate(const ProcessPlan& plan, int sync) {
    if (!FindProgram(plan.args[0], plan.env))
        ThrowErrno(ENOENT, "find " + plan.args[0] + " in the container (searched " + SearchPathOf(plan.env) + ")");
    SendGated(sync);
    ::close(sync);  // nobody reads it any more (the parent's other fds went in FinishProcess)
    char byte;
    if (!ReadFully(plan.start_gate, &byte, 1))
        ::_exit(1);
    if (!plan.start_hooks.empty())
        RunStartContainerHooks(plan);
    ::close(plan.start_gate);
}

std::optional<unsigned long> PersonaOf(const std::string& name) {
    if (name.empty())
        return std::nullopt;
    if (name == "linux")
        return PER_LINUX;
    if (name == "linux32")
        return PER_LINUX32;
    throw Error("unknown personality '" + name + "' (expected linux or linux32)", EINVAL);
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
    plan.umask = static_cast<mode_t>(p.umask.value_or(022));
    plan.personality = PersonaOf(config.personality);
    plan.capabilities = config.capabilities;
    CheckRlimits(config.rlimits);
    plan.rlimits = config.rlimits;
    plan.seccomp = MakeSeccompFilter(config.seccomp);
    if (plan.args.empty())
        throw Error("no command to run: process.args is empty");
    if (plan.cwd[0] != '/')
        throw Error("process.cwd must be an absolute path, not '" + plan.cwd + "'");
    return plan;
}

void FinishProcess(const ProcessPlan& plan, int sync) {
    if (plan.terminal) {
        SetUpTerminal(sync, plan.uid, plan.gid, plan.window.rows, plan.window.columns);  // setsid + controlling tty
    } else {
        InstallStdio(plan.stdio);
        // A session of its own, as with a terminal: CRIU refuses to dump a pid namespace whose
        // init's session leader is outside it. A fresh child is never a group leader.
        if (::setsid() < 0)
            ThrowErrno("setsid");
    }
    if (!plan.listen_fd_sources.empty())
        PlaceListenFds(plan.listen_fd_sources, {sync, plan.start_gate});
    // Both count from fd 3: an OCI bundle's preserved fds, or a socket unit's.
    CloseInheritedFds(std::max(plan.stdio.preserved, static_cast<unsigned>(plan.listen_fds)));
    if (plan.start_gate >= 0) {
        // Our copies of the parent's fds (the container's lock among them) must not outlive it
        // while we wait at the gate: only 0-2, the preserved ones, the gate, its result and the
        // sync socket stay. Before the seccomp filter, which may not allow close_range.
        CloseFdsExcept(3 + plan.stdio.preserved, {plan.start_gate, plan.start_result, sync});
    }
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
    ::umask(plan.umask);
    if (plan.personality && ::personality(*plan.personality) < 0)
        ThrowErrno("set the personality");
    ResetSignals();
    if (plan.start_gate >= 0)
        WaitAtStartGate(plan, sync);
    if (plan.seccomp && plan.no_new_privileges)
        plan.seccomp->Load();
    if (plan.listen_fds > 0) {
        // Our pid as the program sees it: 1 in a new pid namespace.
        std::vector<std::string> env = plan.env;
        env.push_back("LISTEN_PID=" + std::to_string(::getpid()));
        ExecProgram(plan.args, env);
    }
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
