#pragma once
// The cgroupfs driver: the container's cgroup /berth/NAME (or linux.cgroupsPath) made by hand in
// every hierarchy.
#include "cgroup/cgroup_layout.hpp"
#include "cgroup/driver.hpp"

namespace berth::cgroup {

class CgroupfsDriver final : public Driver {
public:
    // The parent of every container cgroup, relative to each hierarchy's mount point.
    static constexpr const char* kParent = "berth";

    CgroupfsDriver();
    explicit CgroupfsDriver(Layout layout);

    std::string Name() const override { return "cgroupfs"; }
    Placement Create(const std::string& container, pid_t pid, const config::Resources& resources) override;
    void Attach(const Placement& placement, pid_t pid) override;
    void Update(const Placement& placement, const config::Resources& resources) override;
    void Freeze(const Placement& placement) override;
    void Thaw(const Placement& placement) override;
    bool IsFrozen(const Placement& placement) override;
    std::vector<pid_t> Pids(const Placement& placement) override;
    Stats ReadStats(const Placement& placement) override;
    void Destroy(const Placement& placement) override;
    // Kills and removes MOUNT/berth/container wherever it exists: what a launch that died without
    // recording its placement (berthctl killed) left behind.
    void DestroyLeftovers(const std::string& container);

private:
    // Creates MOUNT/berth/container in every writable hierarchy; returns the placement of the
    // directories made (a directory already there and empty is a crash leftover: it is removed and
    // made again, so none of its old limits survive; at a cgroupsPath location it is used as it is).
    Placement MakeDirectories(const std::string& container, const config::Resources& resources);
    // The container's cgroup below each mount point: "/berth/NAME", or location_.path (a relative
    // one below /berth).
    std::string RelativeDir(const std::string& container) const;
    // Makes every level above MOUNT+relative, ready to hold a child cgroup.
    void PrepareAncestors(const Hierarchy& h, const std::string& relative, bool hugetlb);

    Layout layout_;
};

}  // namespace berth::cgroup
