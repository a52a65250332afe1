#pragma once
// A mount of type "cgroup" (OCI's /sys/fs/cgroup, or a TOML mount asking for the same): the
// container's own cgroups under the destination, as runc mounts them. cgroup v1 or hybrid: a
// tmpfs with one directory per v1 hierarchy ("memory", "cpu,cpuacct", "systemd") holding
// that hierarchy's cgroup of the container, plus a symlink per co-mounted controller ("cpu" ->
// "cpu,cpuacct"); cgroup v2 only: the container's cgroup2 directory itself. In a cgroup
// namespace each hierarchy is mounted afresh (the namespace roots it at the container's cgroup),
// else the host's directory of the container's cgroup is bound. The flags (ro, nosuid, ...) apply
// to every hierarchy and to the tmpfs. Runs in the child after its cgroup placement.
#include <string>
#include <vector>

#include "cgroup/cgroup_layout.hpp"
#include "launch/mount_options.hpp"

namespace berth::launch {

// One line of /proc/<pid>/cgroup: the hierarchy's controllers (or "name=X", or empty for
// cgroup2) and the process's cgroup path in it.
struct ProcCgroupEntry {
    std::vector<std::string> controllers;
    std::string path;
};
std::vector<ProcCgroupEntry> ParseProcCgroup(const std::string& text);

// The host cgroup directory of `path` in hierarchy `h` (the mount point plus the path below the
// mounted root), e.g. "/sys/fs/cgroup/memory/berth/web".
std::string HostCgroupDir(const cgroup::Hierarchy& h, const std::string& path);

// Mounts the cgroups at `destination` (container view) under the root `rootfd`, before pivot_root.
// `layout` is the host's (read by the parent), `own` this process's /proc/self/cgroup.
void MountCgroups(int rootfd, const std::string& destination, const MountOptions& options,
                  const cgroup::Layout& layout, const std::vector<ProcCgroupEntry>& own, bool cgroup_namespace);

}  // namespace berth::launch
