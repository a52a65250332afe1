// Choosing a driver: by name, by auto-detection, or from a recorded placement.
#include "cgroup/cgroupfs_driver.hpp"
#include "cgroup/driver.hpp"
#include "util/error.hpp"

namespace berth::cgroup {

std::unique_ptr<Driver> MakeDriver(const std::string& kind, std::chrono::microseconds /*job_timeout*/) {
    if (kind == "cgroupfs" || kind == "auto")
        return std::make_unique<CgroupfsDriver>();
    if (kind == "systemd")
        throw Error("Failed to use the systemd cgroup driver: not implemented yet", ENOTSUP);
    throw Error("Unknown cgroup driver '" + kind + "' (expected systemd, cgroupfs or auto)", EINVAL);
}

std::unique_ptr<Driver> DriverFor(const Placement& placement, std::chrono::microseconds job_timeout) {
    if (placement.driver.empty())
        throw Error("Failed to find the cgroup driver of a placement: none recorded", EINVAL);
    return MakeDriver(placement.driver, job_timeout);
}

}  // namespace berth::cgroup
