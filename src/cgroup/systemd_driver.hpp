#pragma once
// The systemd driver: each container a transient scope berth-NAME.scope in berth.slice, created
// and controlled over sd-bus, with every limit set as a unit property.
#include <chrono>

#include "cgroup/cgroup_layout.hpp"
#include "cgroup/driver.hpp"
#include "cgroup/scope_properties.hpp"
#include "cgroup/systemd_bus.hpp"

namespace berth::cgroup {

class SystemdManager;

class SystemdDriver final : public Driver {
public:
    // Connects (or reuses the process' connection) and asks for systemd's version; throws when
    // the system bus cannot be reached. job_timeout bounds each wait for a systemd job.
    // SystemdBus::User: scopes of the calling user's own manager (rootless), driver "systemd-user".
    explicit SystemdDriver(std::chrono::microseconds job_timeout = std::chrono::seconds(30),
                           SystemdBus which = SystemdBus::System);

    static constexpr const char* kUserName = "systemd-user";
    std::string Name() const override { return which_ == SystemdBus::User ? kUserName : "systemd"; }
    Placement Create(const std::string& container, pid_t pid, const config::Resources& resources) override;
    // while_waiting runs once StartTransientUnit is sent, while systemd creates the scope.
    Placement CreateWhileWaiting(const std::string& container, pid_t pid, const config::Resources& resources,
                                 const std::function<void()>& while_waiting) override;
    void Attach(const Placement& placement, pid_t pid) override;
    void Update(const Placement& placement, const config::Resources& resources) override;
    void Freeze(const Placement& placement) override;
    void Thaw(const Placement& placement) override;
    bool IsFrozen(const Placement& placement) override;
    std::vector<pid_t> Pids(const Placement& placement) override;
    Stats ReadStats(const Placement& placement) override;
    void Destroy(const Placement& placement) override;

private:
    // The unit's cgroup path ("/berth.slice/berth-web.scope"); pid is a process inside.
    std::string ScopeCgroup(const std::string& unit, pid_t pid);
    // The unit's cgroup directory in every mounted hierarchy where it exists; pid is a process inside.
    Placement PlacementOf(const std::string& unit, pid_t pid);
    // allowed_cpus where systemd cannot set AllowedCPUs (cpuset on cgroup v1): a cpuset cgroup of
    // Berth's own at the scope's path, holding pid, recorded in placement. Throws without a v1 cpuset.
    void ApplyV1Cpuset(Placement& placement, const std::string& cgroup, const config::Resources& resources, pid_t pid);
    // The limits systemd has no property for here (v1 memory soft limit and swappiness, hugetlb,
    // `unified`), written as files into the scope's delegated cgroup.
    config::Resources WithoutProperties(const config::Resources& resources);
    void WriteDelegatedFiles(const Placement& placement, const config::Resources& resources);
    void SetFrozen(const Placement& placement, bool frozen);
    // features_ with systemd's version, waiting for its answer on first use.
    const SystemdFeatures& Features();
    // True when no cgroup directory of the placement and no unit of its name is left (unit_gone:
    // systemd just said so, no need to ask).
    bool Removed(const Placement& placement, bool unit_gone = false);

    // The user manager applies no limit where no controller is delegated to it (any cgroup v1
    // layout, hybrid included: it gets name=systemd and an empty unified tree): refused here.
    void RefuseUndelegatedLimits(const std::string& container, const config::Resources& resources) const;

    SystemdBus which_;
    SystemdManager& manager_;
    std::chrono::microseconds job_timeout_;
    Layout layout_;
    SystemdFeatures features_;
};

}  // namespace berth::cgroup
