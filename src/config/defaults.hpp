#pragma once
#include "config/model.hpp"

namespace berth::config {

// The libcontainer sample's defaults: what a container gets for every key its files leave out.
// The system mounts (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys) and the default device
// nodes are always set up by the launcher; `mounts` and `devices` add to them.
ContainerConfig DefaultContainerConfig();

// The default device nodes created in the container's /dev.
std::vector<DeviceConfig> DefaultDevices();

// The device cgroup rules that allow exactly the default nodes (and /dev/pts, /dev/ptmx).
std::vector<DeviceRule> DefaultDeviceRules();

}  // namespace berth::config
