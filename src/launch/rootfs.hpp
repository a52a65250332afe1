#pragma once
// Building the container's root filesystem inside its private mount namespace (in the child).
#include <functional>
#include <string>
#include <vector>

#include "cgroup/cgroup_layout.hpp"
#include "config/model.hpp"
#include "launch/mount_options.hpp"

namespace berth::launch {

// What the rootfs code needs to know beyond the configuration.
struct RootfsContext {
    bool in_user_namespace = false;  // mknod is not permitted: device nodes are bound from the host
    bool new_net_namespace = false;  // sysfs can be mounted (else /sys is bound from the host)
    bool new_ipc_namespace = false;  // mqueue can be mounted
    bool tty_gid_mapped = true;      // devpts may use gid=5
    std::vector<MountOptions> mount_options;  // parsed config.mounts options, same order
    // For mounts of type "cgroup" (cgroup_mount.hpp): the host's layout, read by the parent, and
    // whether the container has a cgroup namespace (created or joined).
    cgroup::Layout cgroup_layout;
    bool cgroup_namespace = false;
};

// Makes the mount namespace private, binds the rootfs, mounts /proc, /dev (+ nodes, pts, shm,
// mqueue), /sys and the configured mounts, pivots into it and detaches the old root, then masks
// paths, makes paths read-only and (if configured) the root itself.
// The cwd is "/" of the new root afterwards. before_pivot (if set) runs once every mount is in
// place, with the rootfs as cwd and the old root still reachable (OCI's createContainer hooks).
void BuildRootfs(const config::ContainerConfig& config, const RootfsContext& context,
                 const std::function<void()>& before_pivot = {});

// The parts done after pivot_root, split out for exec-less callers and tests.
void MaskPath(const std::string& path);
void MakeReadonlyPath(const std::string& path);

}  // namespace berth::launch
