#pragma once
// Resolving container paths inside the rootfs without following symlinks out of it
// (openat2 RESOLVE_IN_ROOT), and creating missing mount points on the way.
#include <string>

#include "util/fd.hpp"

namespace berth::launch {

enum class NodeKind { Directory, File };

// An O_PATH fd for `path` (absolute, container view) inside the root `rootfd`, created as
// `kind` (with missing parent directories) when absent. Symlinks resolve as if rootfd were "/".
UniqueFd OpenInRoot(int rootfd, const std::string& path, NodeKind create_as);
// Same without creating: an invalid fd when the path does not exist.
UniqueFd OpenInRootIfExists(int rootfd, const std::string& path);

// "/proc/self/fd/N": a path naming exactly the file an fd refers to, for mount(2).
std::string FdPath(int fd);

}  // namespace berth::launch
