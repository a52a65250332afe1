#pragma once
// Which of a container's mounts CRIU must treat as external: the ones whose source lives outside
// the container (bind mounts, /dev/null over masked files, device nodes bound from the host).
#include <sys/types.h>

#include <functional>
#include <string>
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

}  // namespace berth::checkpoint
