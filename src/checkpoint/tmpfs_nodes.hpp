#pragma once
// A tmpfs that holds no file data (a container's /dev: directories, symlinks, device nodes, mount
// points) is listed at dump and rebuilt by restore: CRIU need not tar and gzip it, then untar it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace berth::checkpoint {

struct TmpfsNode {
    std::string path;  // below the mount's root ("pts", "fd"), "." for the root; parents come first
    char kind = 'd';   // 'd' directory, 'l' symlink, 'c'/'b' device node, 'f' empty file
    uint32_t mode = 0;  // permission bits with setuid, setgid and sticky
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint64_t rdev = 0;   // device nodes
    std::string target;  // symlinks
    int64_t mtime_sec = 0;
    int64_t mtime_nsec = 0;
    friend bool operator==(const TmpfsNode&, const TmpfsNode&) = default;
};

// Lists the tmpfs mounted at `dir` (as seen through /proc/PID/root), its root included. Mounts below it are listed
// as their mount point (a directory or an empty file) and not entered. Empty when the tmpfs holds
// anything restore could not rebuild from a list: file data, sockets, fifos, hard links, or more
// than `limit` entries.
std::optional<std::vector<TmpfsNode>> ListTmpfsNodes(const std::string& dir, size_t limit = 256);

// Creates `nodes` below the directory `dirfd` with their modes, owners and times. Only system
// calls: it runs in a forked child. Returns the failed step for the child's error message, or
// nullptr; errno tells why.
const char* CreateTmpfsNodes(int dirfd, const std::vector<TmpfsNode>& nodes);

}  // namespace berth::checkpoint
