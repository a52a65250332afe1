#include "cgroup/placement_guard.hpp"

#include <exception>
#include <string>

#include "util/log.hpp"

namespace berth::cgroup {

PlacementGuard::~PlacementGuard() {
    if (!placement_)
        return;
    try {
        driver_.Destroy(*placement_);
    } catch (const std::exception& e) {
        LogWarning(std::string("Failed to remove the cgroup of a failed start or restore: ") + e.what());
    }
}

}  // namespace berth::cgroup
