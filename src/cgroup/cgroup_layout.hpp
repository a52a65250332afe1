#pragma once
// Which cgroup hierarchies are mounted where: cgroup v2 only, v1 only, or hybrid (both).
#include <string>
#include <vector>

namespace berth::cgroup {

// The Placement::paths key of the cgroup2 hierarchy.
inline constexpr const char* kUnifiedKey = "unified";

// One mounted cgroup hierarchy.
struct Hierarchy {
    // Placement::paths key: "unified" for cgroup2, else the v1 mount's controllers joined with ','
    // in mount-option order ("memory", "cpu,cpuacct", "name=systemd").
    std::string key;
    std::string mount_point;  // "/sys/fs/cgroup/memory"
    std::string root;         // the hierarchy path mounted there, "/" unless a sub-tree is mounted
    bool unified = false;     // cgroup2
    // v1: the controllers from the mount options (a named hierarchy has none, only its name);
    // v2: the root's cgroup.controllers (filled by DetectLayout, empty from ParseMountinfo).
    std::vector<std::string> controllers;
    std::string name;  // v1 named hierarchy ("systemd" for name=systemd), else empty

    bool HasController(const std::string& controller) const;
    friend bool operator==(const Hierarchy&, const Hierarchy&) = default;
};

enum class LayoutKind { None, V1, V2, Hybrid };

struct Layout {
    LayoutKind kind = LayoutKind::None;
    std::vector<Hierarchy> hierarchies;

    // The hierarchy that holds a controller: its v1 mount, else the cgroup2 one if it offers it.
    const Hierarchy* ForController(const std::string& controller) const;
    // The v1 hierarchy holding a controller (nullptr when the controller is not on v1).
    const Hierarchy* V1ForController(const std::string& controller) const;
    const Hierarchy* Unified() const;
    const Hierarchy* ForKey(const std::string& key) const;
};

const char* LayoutKindName(LayoutKind kind);

// Parses /proc/self/mountinfo text into the cgroup and cgroup2 mounts. A hierarchy mounted twice
// is listed once (the mount under /sys/fs/cgroup wins, else the first one seen).
Layout ParseMountinfo(const std::string& mountinfo);

// Parses a cgroup2 cgroup.controllers file ("cpuset cpu io memory pids").
std::vector<std::string> ParseControllerList(const std::string& text);

// The running system's layout: /proc/self/mountinfo plus each cgroup2 root's cgroup.controllers.
// Read once per process (and inherited by forks): cgroup hierarchies are mounted at boot.
Layout DetectLayout();
// Reads the layout again at the next DetectLayout (a long-lived process refreshing its view).
void ForgetDetectedLayout();

}  // namespace berth::cgroup
