// Launch: the parent's side of the two-stage spawn of a container's init.
#include <sys/socket.h>
#include <sys/stat.h>

#include <functional>

#include "cgroup/placement_guard.hpp"
#include "launch/child_init.hpp"
#include "launch/child_process.hpp"
#include "launch/idmap.hpp"
#include "launch/launcher.hpp"
#include "launch/rootless.hpp"
#include "launch/sync_socket.hpp"
#include "util/error.hpp"
#include "util/sanitizer.hpp"

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

// cgroup_mount = "ro"/"rw": a mount of type cgroup at /sys/fs/cgroup (as OCI bundles list it),
// unless the mounts have one there already.
config::ContainerConfig WithCgroupMount(const config::ContainerConfig& requested) {
    config::ContainerConfig config = requested;
    if (config.cgroup_mount == "none")
        return config;
    for (const config::MountConfig& m : config.mounts)
        if (m.destination == "/sys/fs/cgroup")
            return config;
    config.mounts.push_back({"cgroup", "/sys/fs/cgroup", "cgroup",
                             {"nosuid", "noexec", "nodev", "relatime", config.cgroup_mount}});
    return config;
}

}  // namespace

Launched Launch(const config::ContainerConfig& requested, cgroup::Driver& cgroups, const LaunchOptions& options) {
    // The child reads it from our memory: it lives until we return.
    const config::ContainerConfig config = WithCgroupMount(requested);
    // Everything that can be checked or resolved is done here, before anything exists to clean up.
    CheckRootfs(config.rootfs);
    InitPlan plan;
    plan.config = &config;
    plan.namespaces = PlanNamespaces(config.namespaces);
    const NamespacePlan& ns = plan.namespaces;
    if (!ns.creates(NamespaceKind::Mount) && !ns.joins(NamespaceKind::Mount))
        throw Error("a container needs a mount namespace: add one to namespaces");
    // A uts namespace of its own: new, or joined by path (as runc allows, the name is set there).
    const bool own_uts = ns.creates(NamespaceKind::Uts) || ns.joins(NamespaceKind::Uts);
    if (!config.hostname.empty() && !own_uts)
        throw Error("setting the hostname needs a uts namespace of the container's own (new or joined by path)");
    if (!config.domainname.empty() && !own_uts)
        throw Error("setting the domain name needs a uts namespace of the container's own (new or joined by path)");
    bool new_user = ns.creates(NamespaceKind::User);
    if (new_user && config.uid_mappings.empty())
        throw Error("a new user namespace needs uid_mappings");
    if (IsRootless()) {
        for (const JoinedNamespace& joined : ns.parent_joins)
            CheckRootlessJoin(joined, false);
        for (const JoinedNamespace& joined : ns.child_joins)
            CheckRootlessJoin(joined, true);
    }
    std::vector<UniqueFd> child_join_fds;
    for (const JoinedNamespace& joined : ns.child_joins) {
        child_join_fds.push_back(OpenNamespace(joined));
        plan.child_join_fds.push_back(child_join_fds.back().Get());
    }
    plan.process = MakeProcessPlan(config);
    plan.process.stdio = options.stdio;
    plan.process.start_gate = options.start_gate;
    if (options.hooks.Any() && options.start_gate < 0)
        throw Error("OCI setup hooks need a start gate (the init outlives this process)");
    plan.process.start_result = options.start_result;
    plan.process.start_hooks = options.hooks.start_container;
    plan.hooks_before_pivot = options.hooks.BeforePivot();
    plan.create_container_hooks = options.hooks.create_container;
    plan.process.window = options.window;
    if (options.listen_fds > 0) {
        plan.process.listen_fds = options.listen_fds;
        plan.process.listen_fd_sources = options.listen_fd_sources;
        if (!options.listen_fd_sources.empty() &&
            options.listen_fd_sources.size() != static_cast<size_t>(options.listen_fds))
            throw Error("socket activation: " + std::to_string(options.listen_fd_sources.size()) + " fds given for " +
                        std::to_string(options.listen_fds));
        plan.process.env.push_back("LISTEN_FDS=" + std::to_string(options.listen_fds));
        if (!options.listen_fd_names.empty())
            plan.process.env.push_back("LISTEN_FDNAMES=" + options.listen_fd_names);
    }
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
    plan.process.setgroups_denied = new_user && SetgroupsDenied(config.gid_mappings);

    auto [parent_sync, child_sync] = MakeSocketPair(SOCK_SEQPACKET);
    plan.sync = child_sync.Get();
    plan.parent_sync = parent_sync.Get();
    plan.set_up_before_placement = SetsUpBeforePlacement(plan);

    // A child that sets up before its placement gets a copy of our memory, so it builds its rootfs
    // while this thread places its cgroup (the two overlap); one that waits for Go, and the gated
    // init that must outlive us, too. Otherwise it runs on our memory, as vfork would.
    // Under ASan it always gets a copy: ASan cannot follow a child on our memory but its own stack.
    const bool share_memory = !kAddressSanitizer && !plan.set_up_before_placement && options.start_gate < 0;
    // Namespaces joined by path are entered by this thread around clone(), so the child is born in
    // them (a pid namespace included, without a second fork).
    cgroup::PlacementGuard placement(cgroups);  // declared first: destroyed after the child is reaped
    ScopedNamespaces joined(ns.parent_joins);
    // Named, not a temporary: the child runs it from our memory after CloneChild returns.
    const std::function<void()> init_main = [&plan] { RunContainerInit(plan); };
    OwnedChild child = CloneChild(ns.clone_flags, init_main, "clone the container's init", share_memory);
    joined.Restore();
    child_sync.Reset();  // our copy would hide the EOF that means "exec succeeded"

    if (new_user)
        WriteIdMaps(child.Pid(), config.uid_mappings, config.gid_mappings);
    if (plan.set_up_before_placement && !share_memory && !SendSetUp(parent_sync.Get()))
        ThrowErrno("send the container's init its set-up signal");
    bool set_up = !plan.set_up_before_placement || !share_memory;
    // A child on our memory builds its rootfs only while this thread just waits: while the driver
    // waits for systemd, or right after a driver that does not wait. Only a child that sets up
    // early waits for SetUp: one waiting for Go would take it for a broken parent and exit (the
    // systemd driver calls this while it waits, whatever the plan).
    auto child_set_up = [&] {
        if (!set_up)
            set_up = RunChildSetUp(parent_sync.Get());
    };
    cgroups.PlaceAt(config.cgroup_location);
    placement.Set(cgroups.CreateWhileWaiting(options.container_id, child.Pid(), config.resources, child_set_up));
    if (!set_up && !RunChildSetUp(parent_sync.Get()))
        ThrowErrno("send the container's init its set-up signal");
    if (plan.set_up_before_placement && !share_memory)
        AwaitReady(parent_sync.Get());
    const unsigned long long start_time = ReadStartTime(child.Pid());
    if (options.on_placed)
        options.on_placed(child.Pid(), start_time, placement.Get());
    SendGo(parent_sync.Get());
    const pid_t pid = child.Pid();
    auto hooks_due = [&options, pid] {
        return options.hooks.before_pivot ? options.hooks.before_pivot(pid) : std::string();
    };
    UniqueFd terminal = ReceiveUntilExec(parent_sync.Get(), hooks_due);
    if (config.process.terminal && !terminal)
        throw Error("the container's terminal was not received");

    Launched launched;
    launched.pid = child.Pid();
    launched.start_time = start_time;
    launched.terminal_master = std::move(terminal);
    launched.placement = placement.Release();
    launched.pidfd = child.Release();
    return launched;
}

}  // namespace berth::launch
