// Choosing a driver: by name, by auto-detection, or from a recorded placement.
#include "cgroup/cgroupfs_driver.hpp"
#include "cgroup/driver.hpp"
#include "cgroup/systemd_driver.hpp"
#include "cgroup/systemd_manager.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace berth::cgroup {

std::unique_ptr<Driver> MakeDriver(const std::string& kind, std::chrono::microseconds job_timeout) {
    if (kind == "cgroupfs")
        return std::make_unique<CgroupfsDriver>();
    if (kind == "systemd")
        return std::make_unique<SystemdDriver>(job_timeout);
    if (kind == "auto") {
        if (SystemdManager::Reachable())
            return std::make_unique<SystemdDriver>(job_timeout);
        LogDebug("no systemd answers on the system bus: using the cgroupfs driver");
        return std::make_unique<CgroupfsDriver>();
    }
    throw Error("Unknown cgroup driver '" + kind + "' (expected systemd, cgroupfs or auto)", EINVAL);
}

std::unique_ptr<Driver> DriverFor(const Placement& placement, std::chrono::microseconds job_timeout) {
    if (placement.driver.empty())
        throw Error("Failed to find the cgroup driver of a placement: none recorded", EINVAL);
    return MakeDriver(placement.driver, job_timeout);
}

}  // namespace berth::cgroup
