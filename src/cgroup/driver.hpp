#pragma once
// The cgroup layer's interface: where a container's processes live and what limits them.
// Two drivers implement it: systemd (a transient scope over sd-bus) and cgroupfs (v1, v2, hybrid).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.hpp"

namespace berth::cgroup {

// Where a container's cgroup is, as recorded in its state so any later process can find it.
struct Placement {
    std::string driver;  // "systemd", "systemd-user", "cgroupfs" or "none" (rootless, no cgroup of its own)
    std::string unit;    // "berth-NAME.scope" with the systemd driver, else empty
    // Absolute cgroup directory per hierarchy: "unified" for cgroup2, else the v1 controller
    // mount name ("memory", "cpu,cpuacct", "pids", "freezer", ...).
    std::map<std::string, std::string> paths;
    friend bool operator==(const Placement&, const Placement&) = default;
};

struct Stats {
    struct Memory {
        uint64_t usage = 0, limit = 0, max_usage = 0, cache = 0, anon = 0;  // limit 0 = unlimited
    } memory;
    struct Cpu {
        uint64_t total_ns = 0, user_ns = 0, system_ns = 0, throttled_periods = 0;
    } cpu;
    struct Pids {
        uint64_t current = 0, limit = 0;  // limit 0 = unlimited
    } pids;
    struct Io {
        uint64_t read_bytes = 0, write_bytes = 0;
    } io;
};

class Driver {
public:
    virtual ~Driver() = default;
    virtual std::string Name() const = 0;

    // Where the next Create puts the cgroup (the default when empty); the other field's form is
    // ignored (a systemd slice and scope, or a cgroupfs path).
    void PlaceAt(const config::CgroupLocation& location) { location_ = location; }

    // Creates the container's cgroup with every configured limit and moves pid into it.
    // Called by the launcher's parent before the container's program is exec'd.
    virtual Placement Create(const std::string& container, pid_t pid, const config::Resources& resources) = 0;
    // Create, calling while_waiting (at most once, on this thread) while an outside manager works on
    // the request, so the caller can overlap its own work; it must not use this driver. Drivers that
    // never wait do not call it.
    virtual Placement CreateWhileWaiting(const std::string& container, pid_t pid, const config::Resources& resources,
                                         const std::function<void()>& while_waiting) {
        (void)while_waiting;
        return Create(container, pid, resources);
    }
    // Moves another process (exec, CRIU restore) into an existing placement.
    virtual void Attach(const Placement& placement, pid_t pid) = 0;
    // Changes limits live; verifies the cgroup files took the new values. Only the fields set in
    // `resources` change; device rules are fixed at Create and ignored here. A value of
    // cgroup::kUnlimited (UINT64_MAX, resources.hpp) removes a limit; cpu_quota 0% = no quota.
    virtual void Update(const Placement& placement, const config::Resources& resources) = 0;
    // Returns once every task is frozen / thawed.
    virtual void Freeze(const Placement& placement) = 0;
    virtual void Thaw(const Placement& placement) = 0;
    virtual bool IsFrozen(const Placement& placement) = 0;
    // Every pid in the container's cgroup (recursively).
    virtual std::vector<pid_t> Pids(const Placement& placement) = 0;
    virtual Stats ReadStats(const Placement& placement) = 0;
    // Kills whatever is left and removes the cgroup from every hierarchy (or the unit).
    // Idempotent: destroying an already removed placement succeeds.
    virtual void Destroy(const Placement& placement) = 0;

protected:
    config::CgroupLocation location_;
};

// "systemd", "systemd-user" (the user's own manager), "cgroupfs", "none" (no cgroup, see
// no_cgroup_driver.hpp) or "auto" (systemd when a system bus with systemd answers, else cgroupfs;
// for an unprivileged user: systemd-user when the user's manager answers, else none).
// job_timeout bounds each wait for a systemd job (config::DaemonConfig::job_timeout).
std::unique_ptr<Driver> MakeDriver(const std::string& kind,
                                   std::chrono::microseconds job_timeout = std::chrono::seconds(30));
// The driver that created a recorded placement.
std::unique_ptr<Driver> DriverFor(const Placement& placement,
                                  std::chrono::microseconds job_timeout = std::chrono::seconds(30));

}  // namespace berth::cgroup
