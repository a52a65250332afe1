#pragma once
// The "none" driver: a rootless container where no cgroup is delegated to its user (no systemd user
// manager, or only cgroup v1 controllers, which are never delegated) runs in no cgroup of its own, as
// podman's cgroupfs-less rootless mode does. It limits nothing: a configured limit is an error, and
// so are pause, update, stats and ps, which need a cgroup.
#include "cgroup/driver.hpp"

namespace berth::cgroup {

class NoCgroupDriver final : public Driver {
public:
    static constexpr const char* kName = "none";

    std::string Name() const override { return kName; }
    // Throws Error (EPERM) naming the first configured limit; device rules are not limits here (no
    // device node can be made in a user namespace anyway). The placement names no cgroup.
    Placement Create(const std::string& container, pid_t pid, const config::Resources& resources) override;
    void Attach(const Placement& placement, pid_t pid) override;
    void Update(const Placement& placement, const config::Resources& resources) override;
    void Freeze(const Placement& placement) override;
    void Thaw(const Placement& placement) override;
    bool IsFrozen(const Placement& placement) override;
    std::vector<pid_t> Pids(const Placement& placement) override;
    Stats ReadStats(const Placement& placement) override;
    // Nothing to remove: the container's processes die with its init (its pid namespace's).
    void Destroy(const Placement& placement) override;
};

// The TOML keys of the limits set in `resources` ("resources.memory_max", ...), devices excluded.
std::vector<std::string> ConfiguredLimitKeys(const config::Resources& resources);

}  // namespace berth::cgroup
