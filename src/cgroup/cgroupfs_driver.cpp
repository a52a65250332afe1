#include "cgroup/cgroupfs_driver.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

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

void ValidateName(const std::string& container) {
    if (container.empty() || container == "." || container == ".." || container.find('/') != std::string::npos ||
        container.find('\n') != std::string::npos)
        throw Error("Failed to create cgroup for container '" + container + "': invalid name", EINVAL);
}

// Whether a mkdir error means "this hierarchy is not ours to write" rather than a real failure.
bool NotWritable(int err) { return err == EACCES || err == EPERM || err == EROFS; }

// Only a container's own directory is removed: below a hierarchy's mount point (MOUNT/berth/NAME,
// or where linux.cgroupsPath put it), never a mount point itself or a path climbing out of one.
bool IsContainerCgroupDir(const Layout& layout, const std::string& dir) {
    if (dir.find("/../") != std::string::npos || dir.find("/./") != std::string::npos)
        return false;
    for (const Hierarchy& h : layout.hierarchies)
        if (dir.size() > h.mount_point.size() + 1 && dir.compare(0, h.mount_point.size() + 1, h.mount_point + "/") == 0)
            return true;
    return false;
}

// hugetlb only for a container with hugepage limits: nothing else needs it turned on in the host's tree.
void EnableV2Controllers(const Hierarchy& unified, const std::string& dir, bool hugetlb) {
    std::optional<std::string> enabled = ReadFileIfExists(dir + "/" + files::kSubtreeControl);
    if (!enabled)
        return;
    std::vector<std::string> already = ParseControllerList(*enabled);
    std::vector<const char*> wanted(std::begin(kV2Controllers), std::end(kV2Controllers));
    if (hugetlb)
        wanted.push_back("hugetlb");
    for (const char* c : wanted) {
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

std::string CgroupfsDriver::RelativeDir(const std::string& container) const {
    const std::string& path = location_.path;
    if (path.empty())
        return std::string("/") + kParent + "/" + container;
    return path[0] == '/' ? path : std::string("/") + kParent + "/" + path;
}

void CgroupfsDriver::PrepareAncestors(const Hierarchy& h, const std::string& relative, bool hugetlb) {
    // Controllers must be enabled on every level above the container's cgroup (cgroup2), and a v1
    // cpuset level is unusable until it has CPUs and memory nodes.
    if (h.unified)
        EnableV2Controllers(h, h.mount_point, hugetlb);
    for (size_t slash = relative.find('/', 1); slash != std::string::npos; slash = relative.find('/', slash + 1)) {
        const std::string level = h.mount_point + relative.substr(0, slash);
        MakeCgroupDir(level);
        if (h.unified)
            EnableV2Controllers(h, level, hugetlb);
        else if (h.HasController("cpuset"))
            InheritCpuset(level, false);
    }
}

Placement CgroupfsDriver::MakeDirectories(const std::string& container, const config::Resources& resources) {
    Placement placement;
    placement.driver = Name();
    const std::string relative = RelativeDir(container);
    try {
        for (const Hierarchy& h : layout_.hierarchies) {
            std::string dir = h.mount_point + relative;
            try {
                PrepareAncestors(h, relative, !resources.hugepage_limits.empty());
                if (!MakeCgroupDir(dir)) {
                    if (!ReadProcsRecursive(dir).empty())
                        throw Error("Failed to create cgroup " + dir + ": it exists and holds processes", EEXIST);
                    if (location_.path.empty()) {
                        LogDebug("replacing the empty leftover cgroup " + dir);
                        RemoveCgroupTree(dir);
                        MakeCgroupDir(dir);
                    } else {
                        // Someone else's (a cgroupsPath names any cgroup): joined as runc does, not replaced.
                        LogDebug("using the existing empty cgroup " + dir);
                    }
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
    Placement placement = MakeDirectories(container, resources);
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
        if (!IsContainerCgroupDir(layout_, dir))
            throw Error("Refusing to remove cgroup " + dir + ": not a container's cgroup", EPERM);
    // Usually the processes are gone already (the init was reaped, its pid namespace with it): an
    // empty cgroup goes with one rmdir, and only the directories that refuse it (processes or
    // sub-cgroups left, or any other error) take the kill, wait and remove-the-tree path.
    Placement busy;
    busy.driver = placement.driver;
    for (const auto& [key, dir] : placement.paths)
        if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
            busy.paths[key] = dir;
    if (busy.paths.empty())
        return;
    KillAllViaFiles(layout_, busy);
    for (const auto& [key, dir] : busy.paths)
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
