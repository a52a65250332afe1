// Restore: check the recorded netns, create the cgroup placement with CRIU in it, then RESTORE.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "cgroup/cgroup_layout.hpp"
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

namespace berth::checkpoint {

namespace {

// Destroys a placement unless released: a failed restore leaves no cgroup behind.
class PlacementGuard {
public:
    PlacementGuard(cgroup::Driver& driver, const cgroup::Placement& placement) : driver_(driver), placement_(placement) {}
    PlacementGuard(const PlacementGuard&) = delete;
    PlacementGuard& operator=(const PlacementGuard&) = delete;
    ~PlacementGuard() {
        if (!armed_)
            return;
        try {
            driver_.Destroy(placement_);
        } catch (const std::exception& e) {
            LogWarning(std::string("Failed to remove the cgroup of a failed restore: ") + e.what());
        }
    }
    void Release() noexcept { armed_ = false; }

private:
    cgroup::Driver& driver_;
    const cgroup::Placement& placement_;
    bool armed_ = true;
};

UniqueFd OpenPidfd(pid_t pid) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0)
        ThrowErrno("Failed to open a pidfd for restored pid " + std::to_string(pid));
    return UniqueFd(fd);
}

unsigned long long ProcessStartTime(pid_t pid) {
    std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
    // Fields after the command name (which may hold spaces): state is field 3, starttime 22.
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i < 22 && rest >> field; ++i) {
    }
    unsigned long long start_time = 0;
    rest >> start_time;
    return start_time;
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

RestoredContainer Restore(const RestoreOptions& options, cgroup::Driver& cgroups) {
    RestoredContainer r;
    r.descriptor = CheckRestorable(options.image_dir, options.netns_path, options.config ? &*options.config : nullptr);
    const Descriptor& d = r.descriptor;
    const std::string name = options.name.empty() ? d.container : options.name;
    const std::string what = "restore container " + name;
    r.config = options.config ? *options.config
                              : config::ParseContainerConfigString(name, d.config_toml, options.image_dir + "/" + kDescriptorFile);
    r.config.name = name;
    for (config::NamespaceConfig& ns : r.config.namespaces)
        if (ns.kind == config::NamespaceKind::Net && ns.path && d.netns_path)
            ns.path = d.netns_path;  // --netns: exec and the state name the one restored into

    std::string work_dir = options.work_dir.empty() ? options.image_dir : options.work_dir;
    MakeDirs(work_dir, 0700);
    UniqueFd image_fd = OpenOrThrow(options.image_dir, O_RDONLY | O_DIRECTORY);
    UniqueFd work_fd = OpenOrThrow(work_dir, O_RDONLY | O_DIRECTORY);
    r.log_path = work_dir + "/restore.log";

    rpc::criu_req req;
    req.set_type(rpc::RESTORE);
    req.set_notify_success(true);
    rpc::criu_opts& o = *req.mutable_opts();
    o.set_images_dir_fd(image_fd.Get());
    o.set_work_dir_fd(work_fd.Get());
    o.set_log_file("restore.log");
    o.set_log_level(4);
    o.set_root(r.config.rootfs);
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
    o.set_orphan_pts_master(r.config.process.terminal);
    if (d.empty_netns)
        o.set_empty_ns(CLONE_NEWNET);
    std::vector<CriuProcessOptions::Tmpfs> fresh_tmpfs;
    for (const ExternalMount& m : d.external_mounts) {
        std::string source = options.config ? BindSourceIn(r.config, m) : m.source;
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

    std::vector<int> inherit;
    UniqueFd netns_fd;
    if (d.external_netns && d.netns_path) {
        netns_fd = OpenOrThrow(*d.netns_path, O_RDONLY);
        rpc::criu_inherit_fd* fd = o.add_inherit_fd();
        fd->set_key("extRootNetNS");
        fd->set_fd(netns_fd.Get());
        inherit.push_back(netns_fd.Get());
    }
    const int stdio_fds[3] = {options.stdin_fd, options.stdout_fd, options.stderr_fd};
    std::vector<UniqueFd> reopened;  // host files the init had open, reopened by path
    for (size_t i = 0; i < d.stdio.size() && i < 3; ++i) {
        bool first = std::find(d.stdio.begin(), d.stdio.begin() + static_cast<long>(i), d.stdio[i]) ==
                     d.stdio.begin() + static_cast<long>(i);
        if (!IsInheritable(d.stdio[i]) || !first)
            continue;
        int given = stdio_fds[i];
        if (d.stdio[i].rfind("file[", 0) == 0) {
            // CRIU restores the file position: it must be that file again, not our pipe.
            reopened.push_back(ReopenHostFile(i < d.stdio_paths.size() ? d.stdio_paths[i] : ""));
            given = reopened.back().Get();
        }
        rpc::criu_inherit_fd* fd = o.add_inherit_fd();
        fd->set_key(d.stdio[i]);
        fd->set_fd(given);
        inherit.push_back(given);
    }

    CreateBindMountPoints(r.config);
    CriuProcess criu = CriuProcess::Start(
        {options.criu_path, inherit, r.config.rootfs, fresh_tmpfs,
         std::chrono::duration_cast<std::chrono::milliseconds>(r.config.checkpoint.criu_timeout), r.log_path});
    // The placement comes first and holds CRIU, so every restored task is born inside it.
    r.placement = cgroups.Create(name, criu.Pid(), r.config.resources);
    PlacementGuard guard(cgroups, r.placement);
    RebindCgroupMounts(r.config, r.placement, o);

    CriuVersion version = QueryCriuVersion(criu);
    if (d.external_netns && !UseExternalNetns(version))
        throw Error("Failed to " + what + ": it was checkpointed with the external network namespace " +
                    *d.netns_path + ", which CRIU " + version.ToString() + " cannot restore (needs " +
                    kExternalNetnsMinimum.ToString() + " or newer)");
    if (d.netns_path && !d.external_netns) {
        std::string warning = "the network namespace " + *d.netns_path +
                              " was not checkpointed as external (CRIU " + d.criu_version.ToString() +
                              "): the container is restored into a new network namespace";
        LogWarning(warning);
        r.warnings.push_back(warning);
    }

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
    criu.Finish();
    r.start_time = ProcessStartTime(r.pid);
    guard.Release();
    return r;
}

}  // namespace berth::checkpoint
