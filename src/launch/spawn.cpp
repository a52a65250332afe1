// Launch: the parent's side of the two-stage spawn of a container's init.
#include <sys/socket.h>
#include <sys/stat.h>

#include <functional>

#include "launch/child_init.hpp"
#include "launch/child_process.hpp"
#include "launch/idmap.hpp"
#include "launch/launcher.hpp"
#include "launch/sync_socket.hpp"
#include "util/error.hpp"

namespace berth::launch {
namespace {

using config::NamespaceKind;

void CheckRootfs(const std::string& rootfs) {
    if (rootfs.empty() || rootfs[0] != '/')
        throw Error("rootfs must be an absolute path, not '" + rootfs + "'");
    struct stat st;
    if (::stat(rootfs.c_str(), &st) < 0)
        ThrowErrno("rootfs " + rootfs);
    if (!S_ISDIR(st.st_mode))
        ThrowErrno(ENOTDIR, "rootfs " + rootfs);
}

// Destroys a cgroup placement on the way out unless the launch succeeded.
class PlacementGuard {
public:
    explicit PlacementGuard(cgroup::Driver& driver) : driver_(driver) {}
    ~PlacementGuard() {
        if (placement_ && !released_) {
            try {
                driver_.Destroy(*placement_);
            } catch (...) {
                // The launch error is the one worth reporting.
            }
        }
    }
    void Set(cgroup::Placement placement) { placement_ = std::move(placement); }
    cgroup::Placement Release() { released_ = true; return *placement_; }

private:
    cgroup::Driver& driver_;
    std::optional<cgroup::Placement> placement_;
    bool released_ = false;
};

}  // namespace

Launched Launch(const config::ContainerConfig& config, cgroup::Driver& cgroups, const LaunchOptions& options) {
    // Everything that can be checked or resolved is done here, before anything exists to clean up.
    CheckRootfs(config.rootfs);
    InitPlan plan;
    plan.config = &config;
    plan.namespaces = PlanNamespaces(config.namespaces);
    const NamespacePlan& ns = plan.namespaces;
    if (!ns.creates(NamespaceKind::Mount) && !ns.joins(NamespaceKind::Mount))
        throw Error("a container needs a mount namespace: add one to namespaces");
    if (!config.hostname.empty() && !ns.creates(NamespaceKind::Uts))
        throw Error("setting the hostname needs a new uts namespace");
    bool new_user = ns.creates(NamespaceKind::User);
    if (new_user && config.uid_mappings.empty())
        throw Error("a new user namespace needs uid_mappings");
    std::vector<UniqueFd> child_join_fds;
    for (const JoinedNamespace& joined : ns.child_joins) {
        child_join_fds.push_back(OpenNamespace(joined));
        plan.child_join_fds.push_back(child_join_fds.back().Get());
    }
    plan.process = MakeProcessPlan(config);
    plan.process.stdio = options.stdio;
    plan.process.start_gate = options.start_gate;
    bool in_user_ns = new_user || ns.joins(NamespaceKind::User);
    plan.rootfs.in_user_namespace = in_user_ns;
    plan.rootfs.new_net_namespace = ns.creates(NamespaceKind::Net);
    plan.rootfs.new_ipc_namespace = ns.creates(NamespaceKind::Ipc);
    plan.rootfs.tty_gid_mapped = !new_user || IsMapped(config.gid_mappings, 5);
    for (const config::MountConfig& m : config.mounts) {
        plan.rootfs.mount_options.push_back(ParseMountOptions(m.options, m.type));
        if (m.type == "cgroup" && plan.rootfs.cgroup_layout.kind == cgroup::LayoutKind::None)
            plan.rootfs.cgroup_layout = cgroup::DetectLayout();
    }
    plan.rootfs.cgroup_namespace = ns.creates(NamespaceKind::Cgroup) || ns.joins(NamespaceKind::Cgroup);
    // With a root parent setgroups stays allowed (see WriteIdMaps); a joined namespace may deny it.
    plan.process.setgroups_denied = new_user && ::geteuid() != 0;

    auto [parent_sync, child_sync] = MakeSocketPair(SOCK_SEQPACKET);
    plan.sync = child_sync.Get();
    plan.set_up_before_placement = SetsUpBeforePlacement(plan);

    // Namespaces joined by path are entered by this thread around clone(), so the child is born in
    // them (a pid namespace included, without a second fork).
    PlacementGuard placement(cgroups);  // declared first: destroyed after the child is reaped
    ScopedNamespaces joined(ns.parent_joins);
    // Named, not a temporary: the child runs it from our memory after CloneChild returns.
    const std::function<void()> init_main = [&plan] { RunContainerInit(plan); };
    OwnedChild child = CloneChild(ns.clone_flags, init_main, "clone the container's init",
                                  /*share_memory=*/options.start_gate < 0);
    joined.Restore();
    child_sync.Reset();  // our copy would hide the EOF that means "exec succeeded"

    if (new_user)
        WriteIdMaps(child.Pid(), config.uid_mappings, config.gid_mappings);
    bool set_up = !plan.set_up_before_placement;
    // The child (on our memory) builds its rootfs only while this thread just waits: while the
    // driver waits for systemd, or right after a driver that does not wait.
    auto child_set_up = [&] { set_up = RunChildSetUp(parent_sync.Get()); };
    placement.Set(cgroups.CreateWhileWaiting(options.container_id, child.Pid(), config.resources, child_set_up));
    if (!set_up && !RunChildSetUp(parent_sync.Get()))
        ThrowErrno("send the container's init its set-up signal");
    SendGo(parent_sync.Get());
    UniqueFd terminal = ReceiveUntilExec(parent_sync.Get());
    if (config.process.terminal && !terminal)
        throw Error("the container's terminal was not received");

    Launched launched;
    launched.pid = child.Pid();
    launched.start_time = ReadStartTime(child.Pid());
    launched.terminal_master = std::move(terminal);
    launched.placement = placement.Release();
    launched.pidfd = child.Release();
    return launched;
}

}  // namespace berth::launch
