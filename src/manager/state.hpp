#pragma once
// What Berth records about a container (state.toml), independent of where it is stored.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "cgroup/driver.hpp"
#include "config/model.hpp"

namespace berth::manager {

// Creating: recorded before the init may exec and until the start is recorded, so a creator that
// dies half-way leaves an entry that `list` shows and `rm --force` takes down (pid, cgroups).
enum class Status { Creating, Created, Running, Paused, Stopped, Checkpointed };

const char* StatusName(Status status);
std::optional<Status> StatusFromName(const std::string& name);

struct ContainerState {
    std::string name;
    // As recorded; Manager::Get replaces it with the live status (see live_status.hpp).
    Status status = Status::Created;
    pid_t pid = 0;                        // the init, 0 before start
    unsigned long long pid_start_time = 0;  // /proc/PID/stat field 22 at start
    std::string rootfs;
    std::string created;                  // RFC 3339
    cgroup::Placement placement;
    std::optional<std::string> netns_path;  // when the container joined a netns by path
    std::optional<int> exit_code;         // when known: exit status, or 128+N for signal N
    uint64_t oom_kills = 0;               // processes the kernel's OOM killer killed in its memory cgroup
    config::ContainerConfig config;       // the merged configuration (config.toml beside state.toml)
};

// state.toml text for everything but `config`.
std::string FormatStateToml(const ContainerState& state);
// Parses state.toml text; `origin` (the file) names the problem in CorruptState errors.
// `config` is left default: the store reads it from config.toml.
ContainerState ParseStateToml(const std::string& text, const std::string& origin);

}  // namespace berth::manager
