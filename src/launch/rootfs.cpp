#include "launch/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch/cgroup_mount.hpp"
#include "launch/devices.hpp"
#include "launch/path_in_root.hpp"
#include "launch/sysctl.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::launch {
namespace {

void Mount(const std::string& source, const std::string& target_fd_path, const char* type, unsigned long flags,
           const std::string& data, const std::string& what) {
    if (::mount(source.empty() ? nullptr : source.c_str(), target_fd_path.c_str(), type, flags,
                data.empty() ? nullptr : data.c_str()) < 0)
        ThrowErrno(what);
}

// Flags a bind remount must keep: in a user namespace the kernel refuses to drop locked ones.
unsigned long CurrentMountFlags(const std::string& path) {
    struct statvfs st;
    if (::statvfs(path.c_str(), &st) < 0)
        return 0;
    unsigned long flags = 0;
    if (st.f_flag & ST_RDONLY) flags |= MS_RDONLY;
    if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

void RemountBind(const std::string& path, unsigned long flags, bool recursive, const std::string& what) {
    unsigned long keep = CurrentMountFlags(path);
    if (::mount(nullptr, path.c_str(), nullptr, MS_BIND | MS_REMOUNT | keep | flags, nullptr) < 0)
        ThrowErrno(what);
    if (recursive && (flags & MS_RDONLY)) {
        // MS_REMOUNT changes only the top mount; make the whole bound tree read-only.
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (::mount_setattr(AT_FDCWD, path.c_str(), AT_RECURSIVE, &attr, sizeof attr) < 0)
            ThrowErrno(what);
    }
}

// The kernel's system mounts every container gets.
void MountProc(int rootfd) {
    UniqueFd target = OpenInRoot(rootfd, "/proc", NodeKind::Directory);
    Mount("proc", FdPath(target.Get()), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", "mount /proc on rootfs");
}

void MountDev(int rootfd, const config::ContainerConfig& config, const RootfsContext& context) {
    {
        UniqueFd target = OpenInRoot(rootfd, "/dev", NodeKind::Directory);
        Mount("tmpfs", FdPath(target.Get()), "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k",
              "mount /dev on rootfs");
    }
    UniqueFd dev = OpenAtOrThrow(rootfd, "dev", O_DIRECTORY | O_NOFOLLOW | O_RDONLY);
    CreateDeviceNodes(dev.Get(), ContainerDevices(config.devices), context.in_user_namespace);
    CreateDevSymlinks(dev.Get());
    if (::mkdirat(dev.Get(), "pts", 0755) < 0 || ::mkdirat(dev.Get(), "shm", 01777) < 0)
        ThrowErrno("create /dev/pts and /dev/shm");
    {
        UniqueFd pts = OpenAtOrThrow(dev.Get(), "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW);
        std::string data = "newinstance,ptmxmode=0666,mode=0620";
        if (context.tty_gid_mapped)
            data += ",gid=5";
        Mount("devpts", FdPath(pts.Get()), "devpts", MS_NOSUID | MS_NOEXEC, data, "mount /dev/pts on rootfs");
    }
    {
        UniqueFd shm = OpenAtOrThrow(dev.Get(), "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW);
        Mount("shm", FdPath(shm.Get()), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k",
              "mount /dev/shm on rootfs");
    }
    if (context.new_ipc_namespace) {
        // mqueue belongs to the ipc namespace: only a private one may be mounted.
        if (::mkdirat(dev.Get(), "mqueue", 0755) < 0)
            ThrowErrno("create /dev/mqueue");
        UniqueFd mq = OpenAtOrThrow(dev.Get(), "mqueue", O_PATH | O_DIRECTORY | O_NOFOLLOW);
        Mount("mqueue", FdPath(mq.Get()), "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", "mount /dev/mqueue on rootfs");
    }
}

void MountSys(int rootfd, const RootfsContext& context) {
    UniqueFd target = OpenInRoot(rootfd, "/sys", NodeKind::Directory);
    std::string path = FdPath(target.Get());
    unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (!context.in_user_namespace || context.new_net_namespace) {
        Mount("sysfs", path, "sysfs", flags, "", "mount /sys on rootfs");
        return;
    }
    // sysfs may only be mounted by the owner of the network namespace: bind the host's instead.
    Mount("/sys", path, nullptr, MS_BIND | MS_REC, "", "bind /sys on rootfs");
    UniqueFd mounted = OpenInRoot(rootfd, "/sys", NodeKind::Directory);  // the new mount, not the one below
    RemountBind(FdPath(mounted.Get()), flags, true, "remount /sys read-only");
}

void MountConfigured(int rootfd, const config::MountConfig& m, const MountOptions& options) {
    std::string what = "mount " + m.source + " on " + m.destination;
    if (m.destination.empty() || m.destination[0] != '/')
        throw Error(what + ": the destination must be an absolute path");
    NodeKind kind = NodeKind::Directory;
    if (options.IsBind()) {
        struct stat st;
        if (::stat(m.source.c_str(), &st) < 0)
            ThrowErrno(what);
        if (!S_ISDIR(st.st_mode))
            kind = NodeKind::File;
    }
    UniqueFd target = OpenInRoot(rootfd, m.destination, kind);
    std::string path = FdPath(target.Get());
    if (options.IsBind())
        Mount(m.source, path, nullptr, MS_BIND | (options.flags & MS_REC), "", what);
    else
        Mount(m.source, path, m.type.empty() ? nullptr : m.type.c_str(), options.flags, options.data, what);
    if (!options.NeedsBindRemount() && options.propagation == 0)
        return;
    // The fd still names the directory below the new mount: look the destination up again.
    target = OpenInRoot(rootfd, m.destination, kind);
    path = FdPath(target.Get());
    if (options.NeedsBindRemount())
        RemountBind(path, options.flags & ~(MS_BIND | MS_REC | MS_REMOUNT), options.IsRecursiveBind(), what);
    if (options.propagation != 0 && ::mount(nullptr, path.c_str(), nullptr, options.propagation, nullptr) < 0)
        ThrowErrno("set propagation of " + m.destination);
}

void PivotInto(int rootfd) {
    if (::fchdir(rootfd) < 0)
        ThrowErrno("chdir to the rootfs");
    // pivot_root(".", "."): the old root ends up stacked on "."; detaching it leaves the new root.
    if (::syscall(SYS_pivot_root, ".", ".") < 0)
        ThrowErrno("pivot_root into the rootfs");
    if (::umount2(".", MNT_DETACH) < 0)
        ThrowErrno("detach the old root");
    if (::chdir("/") < 0)
        ThrowErrno("chdir to /");
}

}  // namespace

void MaskPath(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) < 0) {
        if (errno == ENOENT)
            return;
        ThrowErrno("mask " + path);
    }
    if (S_ISDIR(st.st_mode)) {
        if (::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, nullptr) < 0)
            ThrowErrno("mask " + path);
    } else if (::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr) < 0) {
        ThrowErrno("mask " + path);
    }
}

void MakeReadonlyPath(const std::string& path) {
    if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
        if (errno == ENOENT)
            return;
        ThrowErrno("make " + path + " read-only");
    }
    RemountBind(path, MS_RDONLY, false, "make " + path + " read-only");
}

void BuildRootfs(const config::ContainerConfig& config, const RootfsContext& context,
                 const std::function<void()>& before_pivot) {
    // Nothing done from here on may reach the host's mount table.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
        ThrowErrno("make the mount namespace private");
    if (::mount(config.rootfs.c_str(), config.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        ThrowErrno("bind rootfs " + config.rootfs);
    // Opened after the bind so it names the new mount, which pivot_root needs.
    UniqueFd rootfd = OpenOrThrow(config.rootfs, O_PATH | O_DIRECTORY);
    MountProc(rootfd.Get());
    MountDev(rootfd.Get(), config, context);
    MountSys(rootfd.Get(), context);
    for (size_t i = 0; i < config.mounts.size(); ++i) {
        const config::MountConfig& m = config.mounts[i];
        if (m.type == "cgroup")  // placed already (SetsUpBeforePlacement): our cgroups are known
            MountCgroups(rootfd.Get(), m.destination, context.mount_options[i], context.cgroup_layout,
                         ParseProcCgroup(ReadFile("/proc/self/cgroup")), context.cgroup_namespace);
        else
            MountConfigured(rootfd.Get(), m, context.mount_options[i]);
    }
    if (before_pivot) {
        if (::fchdir(rootfd.Get()) < 0)
            ThrowErrno("chdir to the rootfs");
        before_pivot();
    }
    PivotInto(rootfd.Get());
    WriteSysctls(config.sysctl);  // as runc: before /proc/sys can be read-only or masked
    for (const std::string& path : config.masked_paths)
        MaskPath(path);
    for (const std::string& path : config.readonly_paths)
        MakeReadonlyPath(path);
    if (config.rootfs_readonly)
        RemountBind("/", MS_RDONLY, false, "remount the rootfs read-only");
    // After pivot_root, as runc: set on the old rootfs before, it would reach the host's mounts.
    if (!config.rootfs_propagation.empty()) {
        const unsigned long flags = ParseMountOptions({config.rootfs_propagation}).propagation;
        if (::mount(nullptr, "/", nullptr, flags, nullptr) < 0)
            ThrowErrno("make the rootfs " + config.rootfs_propagation);
    }
}

}  // namespace berth::launch
