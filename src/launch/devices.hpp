#pragma once
// The container's /dev: default device nodes and the standard symlinks.
#include <vector>

#include "config/model.hpp"

namespace berth::launch {

// The default nodes with configured devices added (a configured path replaces a default one).
std::vector<config::DeviceConfig> ContainerDevices(const std::vector<config::DeviceConfig>& configured);

// Creates the nodes in the directory `devfd` (the container's fresh /dev tmpfs). In a user
// namespace, mknod is not permitted: the host's node of the same path is bind-mounted instead.
void CreateDeviceNodes(int devfd, const std::vector<config::DeviceConfig>& devices, bool bind_from_host);

// /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/ptmx -> pts/ptmx.
void CreateDevSymlinks(int devfd);

}  // namespace berth::launch
