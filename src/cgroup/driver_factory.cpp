// Choosing a driver: by name, by auto-detection, or from a recorded placement.
#include <unistd.h>

#include "cgroup/cgroupfs_driver.hpp"
#include "cgroup/driver.hpp"
#include "cgroup/no_cgroup_driver.hpp"
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
    if (kind == SystemdDriver::kUserName)
        return std::make_unique<SystemdDriver>(job_timeout, SystemdBus::User);
    if (kind == NoCgroupDriver::kName)
        return std::make_unique<NoCgroupDriver>();
    if (kind == "auto") {
        if (::geteuid() != 0) {
            // The system manager makes no scope for an unprivileged user, and the cgroupfs tree is
            // root's: the user's own manager, where one runs, else no cgroup at all.
            if (SystemdManager::Reachable(SystemdBus::User))
                return std::make_unique<SystemdDriver>(job_timeout, SystemdBus::User);
            LogWarning("running rootless without a cgroup (no systemd user manager answers on the user bus): no "
                       "limits, pause, update, stats or ps");
            return std::make_unique<NoCgroupDriver>();
        }
        if (SystemdManager::Reachable())
            return std::make_unique<SystemdDriver>(job_timeout);
        LogDebug("no systemd answers on the system bus: using the cgroupfs driver");
        return std::make_unique<CgroupfsDriver>();
    }
    throw Error("Unknown cgroup driver '" + kind + "' (expected systemd, systemd-user, cgroupfs, none or auto)", EINVAL);
}

std::unique_ptr<Driver> DriverFor(const Placement& placement, std::chrono::microseconds job_timeout) {
    if (placement.driver.empty())
        throw Error("Failed to find the cgroup driver of a placement: none recorded", EINVAL);
    return MakeDriver(placement.driver, job_timeout);
}

}  // namespace berth::cgroup
