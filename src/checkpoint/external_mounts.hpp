#pragma once
// Which of a container's mounts CRIU must treat as external: the ones whose source lives outside
// the container (bind mounts, /dev/null over masked files, device nodes bound from the host).
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/descriptor.hpp"
#include "config/model.hpp"

namespace berth::checkpoint {

// One line of /proc/PID/mountinfo, paths unescaped; mount_point is as the process sees it.
struct MountInfoEntry {
    int id = 0;               // the mount id (also in /proc/PID/fdinfo/N "mnt_id:")
    std::string root;         // the path inside the source filesystem that is mounted
    std::string mount_point;  // relative to the process' root
    std::string fs_type;
    std::string options;        // per-mount options: "rw,nosuid,nodev,noexec,relatime"
    std::string super_options;  // the filesystem's: "rw,size=65536k"
};

// Parses mountinfo text (tests feed it directly).
std::vector<MountInfoEntry> ParseMountInfo(const std::string& text);
// The mounts as the container's init sees them.
std::vector<MountInfoEntry> ReadMountInfo(pid_t pid);

// An empty directory restore binds over masked directories (made on demand, never written to).
inline constexpr const char* kEmptyMaskDirectory = "/run/berth.empty";

// The external mounts of a container: configured bind mounts, masked files (bound from
// /dev/null), masked directories (an empty read-only tmpfs: restored as a bind of
// kEmptyMaskDirectory, so CRIU need not archive them) and device nodes bound from the host, each
// only if it is a mount point in `mounts`. is_directory(path) tells a masked directory from a file.
std::vector<ExternalMount> ExternalMountsOf(const config::ContainerConfig& config,
                                            const std::vector<MountInfoEntry>& mounts,
                                            const std::function<bool(const std::string&)>& is_directory);

// Source of an external mount that restore satisfies with a fresh tmpfs: "tmpfs:" + the configured
// options ("nosuid,nodev,mode=1777,size=65536k").
inline constexpr std::string_view kFreshTmpfsPrefix = "tmpfs:";
// Where restore mounts those fresh tmpfs (numbered 0, 1, ...), inside CRIU's private mount namespace only.
inline constexpr const char* kFreshTmpfsDirectory = "/run/berth.tmpfs";

// The container's tmpfs mounts (other than its root) not in `external` yet whose content
// list_nodes(mount point) can list (no file data: /dev, /dev/shm): CRIU need not tar them at dump
// and untar them at restore; restore mounts a fresh tmpfs with the same options and creates the
// listed nodes in it. Mounts below them stay CRIU's.
using ListNodes = std::function<std::optional<std::vector<TmpfsNode>>(const std::string&)>;
std::vector<ExternalMount> RecreatableTmpfsMountsOf(const std::vector<MountInfoEntry>& mounts,
                                                    const std::vector<ExternalMount>& external,
                                                    const ListNodes& list_nodes);

// The mount flags (MS_NOSUID, ...) and tmpfs data ("mode=1777,size=65536k") of a fresh-tmpfs source.
struct TmpfsMountArguments {
    unsigned long flags = 0;
    std::string data;
};
TmpfsMountArguments ParseFreshTmpfsSource(std::string_view source);

}  // namespace berth::checkpoint
