#pragma once
// Berth's own descriptor, written next to CRIU's images: what restore needs that the images do
// not say (the container's merged config, its external netns and mounts, the CRIU that dumped it).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/criu_version.hpp"
#include "checkpoint/tmpfs_nodes.hpp"

namespace berth::checkpoint {

// The file name inside the image directory.
inline constexpr const char* kDescriptorFile = "berth-checkpoint.toml";

// A mount CRIU treats as external: restore binds `source` (a host path) at `destination`.
struct ExternalMount {
    std::string destination;  // mount point inside the container, also CRIU's key for it
    std::string source;       // host path bound there at restore
    std::vector<TmpfsNode> nodes;  // a fresh tmpfs source only: what restore creates in it
    friend bool operator==(const ExternalMount&, const ExternalMount&) = default;
};

// The CRIU options that must be the same at dump and at restore.
struct CriuFlags {
    bool tcp_established = false;
    bool ext_unix_sk = false;
    bool shell_job = false;
    bool file_locks = false;
    friend bool operator==(const CriuFlags&, const CriuFlags&) = default;
};

struct Descriptor {
    std::string container;    // the name it was checkpointed under
    std::string config_toml;  // config::FormatContainerConfig of the merged config
    std::optional<std::string> netns_path;  // the netns the container joined by path
    uint64_t netns_inode = 0;               // that namespace's inode at checkpoint time
    bool external_netns = false;  // false: CRIU dumped the netns and restore recreates it
    // The container's own netns held only lo (private_netns.hpp): CRIU left its content out, and
    // restore brings lo up in the new one.
    bool empty_netns = false;
    CriuVersion criu_version;
    std::string created;  // UTC, RFC 3339
    CriuFlags flags;
    // The pre-dump these images build on (relative to the image directory, as CRIU's "parent"
    // link): restore needs its pages too. Empty for a dump of its own.
    std::string parent;
    std::vector<ExternalMount> external_mounts;
    // CRIU's names for the init's fds 0, 1, 2 ("pipe:[1234]", "file[2a:5]" for a host file, a path inside):
    // restore hands new fds in for the pipes, sockets and host files among them (inherit_fd keys).
    std::vector<std::string> stdio;
    // The paths those fds had (readlink of /proc/PID/fd/N): host files are reopened from them.
    std::vector<std::string> stdio_paths;
    friend bool operator==(const Descriptor&, const Descriptor&) = default;
};

std::string FormatDescriptor(const Descriptor& descriptor);
// Throws Error naming `origin` (the file) and the key on malformed content.
Descriptor ParseDescriptor(const std::string& text, const std::string& origin);

void WriteDescriptor(const std::string& image_dir, const Descriptor& descriptor);
// Throws Error naming the path when the image directory has no descriptor.
Descriptor ReadDescriptor(const std::string& image_dir);

// The current time as "2026-11-23T05:50:00Z".
std::string CurrentTimeRfc3339();

}  // namespace berth::checkpoint
