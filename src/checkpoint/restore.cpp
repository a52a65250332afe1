// Restore: check the recorded netns, create the cgroup placement with CRIU in it, then RESTORE.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "cgroup/cgroup_layout.hpp"
#include "cgroup/placement_guard.hpp"
#include "checkpoint/checkpoint.hpp"
#include "checkpoint/criu_client.hpp"
#include "checkpoint/criu_log.hpp"
#include "checkpoint/criu_version.hpp"
#include "checkpoint/external_mounts.hpp"
#include "config/loader.hpp"
#include "launch/mount_options.hpp"
#include "launch/path_in_root.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/loopback.hpp"
#include "util/pidfd.hpp"
#include "util/proc_stat.hpp"

namespace berth::checkpoint {

namespace {

UniqueFd OpenPidfd(pid_t pid) {
    return Pidfd::OpenOrThrow(pid, "restored pid " + std::to_string(pid)).TakeFd();
}

// Kills and reaps a restored init (our child through rst_sibling) after a failed restore.
void KillRestored(pid_t pid) {
    if (pid <= 0)
        return;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

// Stdio CRIU cannot reopen by path: pipes, sockets, files that were outside the container.
bool IsInheritable(const std::string& key) {
    return key.rfind("pipe:", 0) == 0 || key.rfind("socket:", 0) == 0 || key.rfind("file[", 0) == 0;
}

// A host file the init had on its stdio ("/dev/null", a log), opened again; /dev/null when gone.
UniqueFd ReopenHostFile(const std::string& path) {
    std::string usable = path;
    if (auto deleted = usable.find(" (deleted)"); deleted != std::string::npos)
        usable.clear();
    for (int flags : {O_RDWR | O_APPEND, O_WRONLY | O_APPEND, O_RDONLY}) {
        if (usable.empty())
            break;
        int fd = ::open(usable.c_str(), flags | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0)
            return UniqueFd(fd);
    }
    return OpenOrThrow("/dev/null", O_RDWR);
}

// CRIU mounts the external bind mounts onto existing mount points only: a rootfs that did not
// run the container yet (podman's --import) lacks those create made (/etc/hosts), as runc
// creates them before its restore.
void CreateBindMountPoints(const config::ContainerConfig& config) {
    UniqueFd rootfd = OpenOrThrow(config.rootfs, O_PATH | O_DIRECTORY);
    for (const config::MountConfig& mount : config.mounts) {
        if (!launch::ParseMountOptions(mount.options, mount.type).IsBind())
            continue;
        struct stat st{};
        if (::stat(mount.source.c_str(), &st) < 0)
            continue;  // CRIU names the missing source
        launch::OpenInRoot(rootfd.Get(), mount.destination,
                           S_ISDIR(st.st_mode) ? launch::NodeKind::Directory : launch::NodeKind::File);
    }
}

// The host cgroup directories a cgroup mount bound (external_mounts.cpp) are the new placement's:
// a restore under another name (podman's --import) has other cgroups than the checkpointed one.
void RebindCgroupMounts(const config::ContainerConfig& config, const cgroup::Placement& placement,
                        rpc::criu_opts& o) {
    for (const config::MountConfig& mount : config.mounts) {
        if (mount.type != "cgroup")
            continue;
        for (int i = 0; i < o.ext_mnt_size(); ++i) {
            const std::string& key = o.ext_mnt(i).key();
            if (key.compare(0, mount.destination.size() + 1, mount.destination + "/") != 0)
                continue;
            // The directory is named after the host's mount point ("systemd"), the placement's
            // key after the hierarchy ("name=systemd").
            const std::string name = key.substr(mount.destination.size() + 1);
            for (const cgroup::Hierarchy& h : cgroup::DetectLayout().hierarchies) {
                auto path = placement.paths.find(h.key);
                if (h.mount_point.substr(h.mount_point.rfind('/') + 1) == name && path != placement.paths.end())
                    o.mutable_ext_mnt(i)->set_val(path->second);
            }
        }
    }
}

// The source of the configured bind mount at m's destination (a restore into another container's
// configuration), else the recorded one (masked paths, fresh tmpfs, devices).
std::string BindSourceIn(const config::ContainerConfig& config, const ExternalMount& m) {
    for (const config::MountConfig& mount : config.mounts) {
        bool bind = mount.type == "bind" ||
                    std::find_if(mount.options.begin(), mount.options.end(),
                                 [](const std::string& o) { return o == "bind" || o == "rbind"; }) != mount.options.end();
        if (bind && mount.destination == m.destination)
            return mount.source;
    }
    return m.source;
}

}  // namespace

Descriptor CheckRestorable(const std::string& image_dir, const std::string& netns_override,
                           const config::ContainerConfig* restored_as) {
    Descriptor d = ReadDescriptor(image_dir);
    if (!netns_override.empty()) {
        if (!d.netns_path)
            throw Error("Failed to restore container " + d.container + ": --netns " + netns_override +
                        " does not apply: it was checkpointed in a network namespace of its own");
        d.netns_path = netns_override;
    }
    if (d.external_netns && d.netns_path) {
        struct stat st{};
        if (::stat(d.netns_path->c_str(), &st) < 0) {
            int err = errno;
            throw NetnsUnavailable("Failed to restore container " + d.container + ": its network namespace " +
                                       *d.netns_path +
                                       (netns_override.empty() ? " (recorded in the checkpoint)" : "") +
                                       " is not available; create it (ip netns add) "
                                       "and restore again",
                                   err);
        }
    }
    const config::ContainerConfig config =
        restored_as ? *restored_as
                    : config::ParseContainerConfigString(d.container, d.config_toml, image_dir + "/" + kDescriptorFile);
    struct stat st{};
    int rootfs_error = ::stat(config.rootfs.c_str(), &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (rootfs_error != 0)
        throw HostLacks("Failed to restore container " + d.container + ": its rootfs " + config.rootfs +
                                   " is not a directory on this host; provide it at that path and restore again",
                        rootfs_error);
    return d;
}

namespace {

// The configuration restored: the checkpointed one (or options.config) under the restored name,
// its joined network namespace the one restored into.
config::ContainerConfig RestoredConfig(const RestoreOptions& options, const Descriptor& d, const std::string& name) {
    config::ContainerConfig config =
        options.config ? *options.config
                       : config::ParseContainerConfigString(name, d.config_toml, options.image_dir + "/" + kDescriptorFile);
    config.name = name;
    for (config::NamespaceConfig& ns : config.namespaces)
        if (ns.kind == config::NamespaceKind::Net && ns.path && d.netns_path)
            ns.path = d.netns_path;  // --netns: exec and the state name the one restored into
    return config;
}

// CRIU's options that follow from the checkpoint's flags and the configuration.
void SetRestoreOptions(rpc::criu_opts& o, const Descriptor& d, const config::ContainerConfig& config) {
    o.set_log_file("restore.log");
    o.set_log_level(4);
    o.set_root(config.rootfs);
    o.set_rst_sibling(true);
    o.set_notify_scripts(true);
    o.set_tcp_established(d.flags.tcp_established);
    o.set_ext_unix_sk(d.flags.ext_unix_sk);
    o.set_shell_job(d.flags.shell_job);
    o.set_file_locks(d.flags.file_locks);
    if (!d.flags.tcp_established)
        o.set_network_lock(rpc::SKIP);
    // Our placement already has the limits, and CRIU's tasks are in it: CRIU must not move them.
    o.set_manage_cgroups(false);
    o.set_manage_cgroups_mode(rpc::IGNORE);
    o.set_orphan_pts_master(config.process.terminal);
    if (d.empty_netns)
        o.set_empty_ns(CLONE_NEWNET);
}

// The external mounts with their sources on this host; returns the fresh tmpfs to mount where
// only CRIU's namespace sees them.
std::vector<CriuProcessOptions::Tmpfs> AddExternalMounts(rpc::criu_opts& o, const Descriptor& d,
                                                         const RestoreOptions& options,
                                                         const config::ContainerConfig& config) {
    std::vector<CriuProcessOptions::Tmpfs> fresh_tmpfs;
    for (const ExternalMount& m : d.external_mounts) {
        std::string source = options.config ? BindSourceIn(config, m) : m.source;
        if (source == kEmptyMaskDirectory) {
            MakeDirs(kEmptyMaskDirectory, 0555);
        } else if (source.rfind(kFreshTmpfsPrefix, 0) == 0) {
            // A tmpfs without file data at dump: a new one (with its listed nodes), mounted where
            // only CRIU's namespace sees it.
            TmpfsMountArguments arguments = ParseFreshTmpfsSource(source);
            source = std::string(kFreshTmpfsDirectory) + "/" + std::to_string(fresh_tmpfs.size());
            MakeDirs(source, 0755);
            fresh_tmpfs.push_back({source, arguments.flags, arguments.data, m.nodes});
        }
        rpc::criu_ext_mnt* ext = o.add_ext_mnt();
        ext->set_key(m.destination);
        ext->set_val(source);
    }
    return fresh_tmpfs;
}

// What the restored tasks inherit from us: the external netns and the init's stdio.
struct InheritedFds {
    std::vector<int> fds;  // handed to CRIU
    UniqueFd netns;
    std::vector<UniqueFd> reopened;  // host files the init had open, reopened by path
};

void AddInheritedFds(rpc::criu_opts& o, const Descriptor& d, const RestoreOptions& options, InheritedFds& inherited) {
    if (d.external_netns && d.netns_path) {
        inherited.netns = OpenOrThrow(*d.netns_path, O_RDONLY);
        rpc::criu_inherit_fd* fd = o.add_inherit_fd();
        fd->set_key("extRootNetNS");
        fd->set_fd(inherited.netns.Get());
        inherited.fds.push_back(inherited.netns.Get());
    }
    const int stdio_fds[3] = {options.stdin_fd, options.stdout_fd, options.stderr_fd};
    for (size_t i = 0; i < d.stdio.size() && i < 3; ++i) {
        bool first = std::find(d.stdio.begin(), d.stdio.begin() + static_cast<long>(i), d.stdio[i]) ==
                     d.stdio.begin() + static_cast<long>(i);
        if (!IsInheritable(d.stdio[i]) || !first)
            continue;
        int given = stdio_fds[i];
        if (d.stdio[i].rfind("file[", 0) == 0) {
            // CRIU restores the file position: it must be that file again, not our pipe.
            inherited.reopened.push_back(ReopenHostFile(i < d.stdio_paths.size() ? d.stdio_paths[i] : ""));
            given = inherited.reopened.back().Get();
        }
        rpc::criu_inherit_fd* fd = o.add_inherit_fd();
        fd->set_key(d.stdio[i]);
        fd->set_fd(given);
        inherited.fds.push_back(given);
    }
}

// Refuses a checkpoint with an external netns that this CRIU cannot restore; warns when a joined
// netns was not checkpointed as external (the container gets a new one).
void CheckNetnsRestorable(const CriuVersion& version, const Descriptor& d, const std::string& what,
                          std::vector<std::string>& warnings) {
    if (d.external_netns && !UseExternalNetns(version))
        throw Error("Failed to " + what + ": it was checkpointed with the external network namespace " +
                    *d.netns_path + ", which CRIU " + version.ToString() + " cannot restore (needs " +
                    kExternalNetnsMinimum.ToString() + " or newer)");
    if (d.netns_path && !d.external_netns) {
        std::string warning = "the network namespace " + *d.netns_path +
                              " was not checkpointed as external (CRIU " + d.criu_version.ToString() +
                              "): the container is restored into a new network namespace";
        LogWarning(warning);
        warnings.push_back(warning);
    }
}

// RESTORE: sets r.pid, r.pidfd and r.terminal_master; a failed restore kills what it restored.
void RunRestore(CriuProcess& criu, const rpc::criu_req& req, const Descriptor& d, const std::string& what,
                RestoredContainer& r) {
    rpc::criu_resp resp;
    try {
        resp = criu.Call(what, req, [&](CriuNotification& n) {
            LogDebug("criu notify: " + n.script);
            if (n.script == "setup-namespaces" && d.empty_netns && n.pid > 0)
                // CRIU made the netns empty; the tasks' sockets are restored after this returns.
                BringUpLoopbackIn("/proc/" + std::to_string(n.pid) + "/ns/net");
            else if (n.script == "post-restore" && n.pid > 0 && r.pid <= 0) {
                r.pid = n.pid;
                r.pidfd = OpenPidfd(n.pid);
            } else if (n.script == "orphan-pts-master" && n.fd) {
                r.terminal_master = std::move(n.fd);
            }
        });
    } catch (...) {
        KillRestored(r.pid);
        throw;
    }
    if (!resp.success()) {
        KillRestored(r.pid);
        ThrowCriuFailure(what, resp, r.log_path);
    }
    if (r.pid <= 0 && resp.has_restore()) {
        r.pid = resp.restore().pid();
        r.pidfd = OpenPidfd(r.pid);
    }
    if (r.pid <= 0)
        throw Error("Failed to " + what + ": CRIU reported success without the restored pid");
}

}  // namespace

RestoredContainer Restore(const RestoreOptions& options, cgroup::Driver& cgroups) {
    RestoredContainer r;
    r.descriptor = CheckRestorable(options.image_dir, options.netns_path, options.config ? &*options.config : nullptr);
    const Descriptor& d = r.descriptor;
    const std::string name = options.name.empty() ? d.container : options.name;
    const std::string what = "restore container " + name;
    r.config = RestoredConfig(options, d, name);

    std::string work_dir = options.work_dir.empty() ? options.image_dir : options.work_dir;
    MakeDirs(work_dir, 0700);
    UniqueFd image_fd = OpenOrThrow(options.image_dir, O_RDONLY | O_DIRECTORY);
    UniqueFd work_fd = OpenOrThrow(work_dir, O_RDONLY | O_DIRECTORY);
    r.log_path = work_dir + "/restore.log";

    rpc::criu_req req = DirectoryRequest(rpc::RESTORE, image_fd.Get(), work_fd.Get());
    rpc::criu_opts& o = *req.mutable_opts();
    SetRestoreOptions(o, d, r.config);
    std::vector<CriuProcessOptions::Tmpfs> fresh_tmpfs = AddExternalMounts(o, d, options, r.config);
    InheritedFds inherited;
    AddInheritedFds(o, d, options, inherited);

    CreateBindMountPoints(r.config);
    CriuProcess criu = CriuProcess::Start(
        {options.criu_path, inherited.fds, r.config.rootfs, fresh_tmpfs,
         std::chrono::duration_cast<std::chrono::milliseconds>(r.config.checkpoint.criu_timeout), r.log_path});
    // The placement comes first and holds CRIU, so every restored task is born inside it.
    cgroups.PlaceAt(r.config.cgroup_location);
    r.placement = cgroups.Create(name, criu.Pid(), r.config.resources);
    cgroup::PlacementGuard guard(cgroups, r.placement);
    RebindCgroupMounts(r.config, r.placement, o);
    CheckNetnsRestorable(QueryCriuVersion(criu), d, what, r.warnings);

    RunRestore(criu, req, d, what, r);
    criu.Finish();
    std::optional<unsigned long long> start_time = ProcessStartTime(r.pid);
    if (!start_time)
        throw Error("Failed to " + what + ": the restored pid " + std::to_string(r.pid) + " is gone");
    r.start_time = *start_time;
    guard.Release();
    return r;
}

}  // namespace berth::checkpoint
