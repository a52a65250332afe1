#include "cgroup/cgroupfs_driver.hpp"

#include <algorithm>

#include "cgroup/cgroup_tree.hpp"
#include "cgroup/controller_files.hpp"
#include "cgroup/placement_files.hpp"
#include "cgroup/v1_cpuset.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace berth::cgroup {
namespace {

// Controllers Berth enables for its sub-tree on cgroup2 (where they are not on v1).
constexpr const char* kV2Controllers[] = {"cpuset", "cpu", "io", "memory", "pids"};

std::string Parent(const std::string& dir) { return dir.substr(0, dir.rfind('/')); }

void ValidateName(const std::string& container) {
    if (container.empty() || container == "." || container == ".." || container.find('/') != std::string::npos ||
        container.find('\n') != std::string::npos)
        throw Error("Failed to create cgroup for container '" + container + "': invalid name", EINVAL);
}

// Whether a mkdir error means "this hierarchy is not ours to write" rather than a real failure.
bool NotWritable(int err) { return err == EACCES || err == EPERM || err == EROFS; }

// Only directories at MOUNT/berth/NAME are ours to remove.
bool IsBerthCgroupDir(const std::string& dir) {
    std::string parent = Parent(dir);
    return dir.find("/../") == std::string::npos && parent.size() > 6 &&
           parent.compare(parent.size() - 6, 6, "/berth") == 0;
}

void EnableV2Controllers(const Hierarchy& unified, const std::string& dir) {
    std::optional<std::string> enabled = ReadFileIfExists(dir + "/" + files::kSubtreeControl);
    if (!enabled)
        return;
    std::vector<std::string> already = ParseControllerList(*enabled);
    for (const char* c : kV2Controllers) {
        if (!unified.HasController(c) || std::find(already.begin(), already.end(), c) != already.end())
            continue;
        try {
            WriteFile(dir + "/" + files::kSubtreeControl, std::string("+") + c);
        } catch (const Error& e) {
            LogDebug(std::string(e.what()) + " (the " + c + " controller stays off below " + dir + ")");
        }
    }
}

}  // namespace

CgroupfsDriver::CgroupfsDriver() : layout_(DetectLayout()) {}

CgroupfsDriver::CgroupfsDriver(Layout layout) : layout_(std::move(layout)) {}

void CgroupfsDriver::PrepareParent(const Hierarchy& h, const std::string& parent) {
    MakeCgroupDir(parent);
    if (h.unified) {
        // Controllers must be enabled on every level above the container's cgroup.
        EnableV2Controllers(h, h.mount_point);
        EnableV2Controllers(h, parent);
    } else if (h.HasController("cpuset")) {
        InheritCpuset(parent, false);
    }
}

Placement CgroupfsDriver::MakeDirectories(const std::string& container) {
    Placement placement;
    placement.driver = Name();
    try {
        for (const Hierarchy& h : layout_.hierarchies) {
            std::string parent = h.mount_point + "/" + kParent;
            std::string dir = parent + "/" + container;
            try {
                PrepareParent(h, parent);
                if (!MakeCgroupDir(dir)) {
                    if (!ReadProcsRecursive(dir).empty())
                        throw Error("Failed to create cgroup " + dir + ": it exists and holds processes", EEXIST);
                    LogDebug("replacing the empty leftover cgroup " + dir);
                    RemoveCgroupTree(dir);
                    MakeCgroupDir(dir);
                }
            } catch (const Error& e) {
                if (!NotWritable(e.Errno()))
                    throw;
                LogDebug(std::string(e.what()) + " (skipping the " + h.key + " hierarchy)");
                continue;
            }
            placement.paths[h.key] = dir;
        }
    } catch (...) {
        Destroy(placement);
        throw;
    }
    return placement;
}

Placement CgroupfsDriver::Create(const std::string& container, pid_t pid, const config::Resources& resources) {
    ValidateName(container);
    Placement placement = MakeDirectories(container);
    if (placement.paths.empty())
        throw Error("Failed to create cgroup for container " + container + ": no writable cgroup hierarchy", EACCES);
    try {
        if (const Hierarchy* cpuset = layout_.V1ForController("cpuset"))
            if (auto it = placement.paths.find(cpuset->key); it != placement.paths.end())
                InheritCpuset(it->second, resources.allowed_cpus.has_value());
        std::vector<ResolvedWrite> writes = ResolveWrites(layout_, placement, resources);
        ApplyWrites(writes);
        for (const auto& [key, dir] : placement.paths)
            MoveProcess(dir, pid);
    } catch (...) {
        try {
            Destroy(placement);
        } catch (const Error& e) {
            LogWarning(std::string(e.what()) + " (while undoing a failed cgroup creation)");
        }
        throw;
    }
    return placement;
}

void CgroupfsDriver::Attach(const Placement& placement, pid_t pid) {
    for (const auto& [key, dir] : placement.paths)
        MoveProcess(dir, pid);
}

void CgroupfsDriver::Update(const Placement& placement, const config::Resources& resources) {
    config::Resources changes = resources;
    changes.devices.clear();  // device rules are fixed at Create (v1 refuses them once sub-cgroups exist)
    std::vector<ResolvedWrite> writes = ResolveWrites(layout_, placement, changes);
    ApplyWrites(writes);
    VerifyWrites(writes);
}

void CgroupfsDriver::Freeze(const Placement& placement) { SetFrozenViaFiles(layout_, placement, true); }

void CgroupfsDriver::Thaw(const Placement& placement) { SetFrozenViaFiles(layout_, placement, false); }

bool CgroupfsDriver::IsFrozen(const Placement& placement) { return IsFrozenViaFiles(layout_, placement); }

std::vector<pid_t> CgroupfsDriver::Pids(const Placement& placement) { return PlacementPids(placement); }

Stats CgroupfsDriver::ReadStats(const Placement& placement) { return ReadStatsViaFiles(layout_, placement); }

void CgroupfsDriver::Destroy(const Placement& placement) {
    for (const auto& [key, dir] : placement.paths)
        if (!IsBerthCgroupDir(dir))
            throw Error("Refusing to remove cgroup " + dir + ": not a Berth container cgroup", EPERM);
    KillAllViaFiles(layout_, placement);
    for (const auto& [key, dir] : placement.paths)
        RemoveCgroupTree(dir);
}

void CgroupfsDriver::DestroyLeftovers(const std::string& container) {
    ValidateName(container);
    Placement leftover;
    leftover.driver = Name();
    for (const Hierarchy& h : layout_.hierarchies) {
        std::string dir = h.mount_point + "/" + kParent + "/" + container;
        if (PathExists(dir))
            leftover.paths[h.key] = dir;
    }
    Destroy(leftover);
}

}  // namespace berth::cgroup
