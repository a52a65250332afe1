#pragma once
// org.berth1's names on the wire (see org.berth1(5)), declared once for berthd and its clients:
// the bus name, the object paths and their name encoding, the interfaces and the error names.
// Header-only, so a client links no part of berthd.
#include <systemd/sd-bus.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "util/error.hpp"

namespace berth::bus {

inline constexpr const char* kBusName = "org.berth1";
inline constexpr const char* kManagerPath = "/org/berth1";
inline constexpr const char* kManagerInterface = "org.berth1.Manager";
inline constexpr const char* kContainerPathPrefix = "/org/berth1/container";
inline constexpr const char* kContainerInterface = "org.berth1.Container";
// One element of Manager.ListContainerStates: the Container properties name, state, leader, unit,
// rootfs, network namespace, created (ns), cgroup driver, exit status, OOM kills, control groups.
inline constexpr const char* kContainerStateFields = "ssussstsita{ss}";
inline constexpr const char* kContainerStateElement = "(ssussstsita{ss})";

inline constexpr const char* kErrorNoSuchContainer = "org.berth1.Error.NoSuchContainer";
inline constexpr const char* kErrorContainerExists = "org.berth1.Error.ContainerExists";
inline constexpr const char* kErrorInvalidConfig = "org.berth1.Error.InvalidConfig";
inline constexpr const char* kErrorInvalidState = "org.berth1.Error.InvalidState";
inline constexpr const char* kErrorPermissionDenied = "org.berth1.Error.PermissionDenied";
inline constexpr const char* kErrorFailed = "org.berth1.Error.Failed";

// /org/berth1/container/<name escaped by sd_bus_path_encode>.
inline std::string ContainerObjectPath(const std::string& name) {
    char* raw = nullptr;
    int r = sd_bus_path_encode(kContainerPathPrefix, name.c_str(), &raw);
    CheckNegErrno(r, "Failed to encode object path for container " + name);
    std::string path(raw);
    free(raw);
    return path;
}

// The name back from an object path, or nullopt if the path is not a container's.
inline std::optional<std::string> ContainerNameFromPath(const char* path) {
    char* raw = nullptr;
    int r = sd_bus_path_decode(path, kContainerPathPrefix, &raw);
    if (r <= 0 || !raw)
        return std::nullopt;
    std::string name(raw);
    free(raw);
    if (name.empty())
        return std::nullopt;
    return name;
}

}  // namespace berth::bus
