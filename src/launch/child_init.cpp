#include "launch/child_init.hpp"

#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launch/sync_socket.hpp"
#include "launch/time_namespace.hpp"
#include "util/error.hpp"
#include "util/hook_program.hpp"
#include "util/loopback.hpp"

namespace berth::launch {

namespace {

// Right before pivot_root: the parent runs its hooks (prestart, createRuntime), then we run the
// createContainer hooks with the state it sent, in our namespaces.
void RunHooksBeforePivot(const InitPlan& plan) {
    if (!plan.hooks_before_pivot)
        return;
    std::optional<std::string> state = AwaitHooksDone(plan.sync);
    if (!state)
        ::_exit(1);  // the parent gave up (its hook failed): it reports why
    const mode_t saved = ::umask(022);  // ours is 0 for exact modes; a hook gets the usual one
    for (const HookProgram& hook : plan.create_container_hooks) {
        try {
            RunHookProgram(hook, *state);
        } catch (const Error& e) {
            throw Error("Failed to run the createContainer hooks: " + e.Context(), e.Errno());
        }
    }
    ::umask(saved);
}

}  // namespace

bool SetsUpBeforePlacement(const InitPlan& plan) {
    // The parent's hooks before pivot_root see the container placed in its cgroup.
    if (plan.hooks_before_pivot)
        return false;
    // With a user namespace the parent writes the id maps first; a cgroup file system mounted in
    // the rootfs must show the container's own cgroup namespace, made after the placement.
    if (plan.rootfs.in_user_namespace)
        return false;
    for (const config::MountConfig& m : plan.config->mounts)
        if (m.type == "cgroup" || m.type == "cgroup2")
            return false;
    return true;
}

void RunContainerInit(const InitPlan& plan) noexcept {
    // CVE-2019-5736 class: until execve this process *is* berthctl (no re-exec), so
    // /proc/<pid>/exe names the host's binary. A non-dumpable process' /proc files are owned by
    // root and ptrace-protected, so a container process cannot open that link (for writing or
    // otherwise) while we set up. execve of the container's (non-setuid) program makes it dumpable
    // again, which is harmless: /proc/<pid>/exe then names the container's own program.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // Our copy of the parent's end would hide the parent's death: without it, a parent killed
    // before Go means EOF and we exit, releasing every fd we copied (its container lock too).
    if (plan.parent_sync >= 0)
        ::close(plan.parent_sync);
    // Early: namespaces, hostname, rootfs and lo are set up while the parent waits for the cgroup
    // driver; only the cgroup namespace (rooted where the placement put us) and the rest wait for Go.
    const bool early = plan.set_up_before_placement;
    if (!(early ? WaitForSetUp(plan.sync) : WaitForGo(plan.sync)))
        ::_exit(1);  // the parent gave up; it reports why
    bool placed = !early;
    try {
        const config::ContainerConfig& config = *plan.config;
        ::umask(0);  // device nodes and mount points get exactly the modes asked for
        for (size_t i = 0; i < plan.child_join_fds.size(); ++i)
            JoinNamespace(plan.child_join_fds[i], plan.namespaces.child_joins[i].kind,
                          plan.namespaces.child_joins[i].path);
        if (plan.rootfs.in_user_namespace) {
            // Our ids are still the host's, unmapped here: become the namespace's root so files we
            // create get a mapped owner and capabilities apply to them.
            if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0)
                ThrowErrno("become root of the user namespace (is 0 mapped?)");
        }
        const int later_flags = early ? plan.namespaces.unshare_flags & CLONE_NEWCGROUP : 0;
        const int now_flags = plan.namespaces.unshare_flags & ~later_flags;
        if (now_flags != 0 && ::unshare(now_flags) < 0)
            ThrowErrno("create namespaces");
        if (config.time_namespace.create)
            CreateTimeNamespace(config.time_namespace);
        if (!config.hostname.empty() && ::sethostname(config.hostname.data(), config.hostname.size()) < 0)
            ThrowErrno("set hostname " + config.hostname);
        if (!config.domainname.empty() && ::setdomainname(config.domainname.data(), config.domainname.size()) < 0)
            ThrowErrno("set domain name " + config.domainname);
        // A mount namespace joined by path gets the rootfs too, as runc builds it there: the
        // rootfs path is looked up in that namespace.
        if (plan.namespaces.creates(config::NamespaceKind::Mount) || plan.namespaces.joins(config::NamespaceKind::Mount))
            BuildRootfs(config, plan.rootfs, [&plan] { RunHooksBeforePivot(plan); });
        else
            throw Error("a container needs its own mount namespace (or one joined by path)");
        if (plan.namespaces.creates(config::NamespaceKind::Net))
            BringUpLoopback();
        if (early) {
            SendReady(plan.sync);
            if (!WaitForGo(plan.sync))
                ::_exit(1);
            placed = true;
            if (later_flags != 0 && ::unshare(later_flags) < 0)
                ThrowErrno("create the cgroup namespace");
        }
        FinishProcess(plan.process, plan.sync);
    } catch (...) {
        ReportFailureAndExit(plan.sync, !placed);
    }
}

}  // namespace berth::launch
