#pragma once
// Destroys a placement unless released: a launch or restore that fails leaves no cgroup behind.
#include <optional>
#include <utility>

#include "cgroup/driver.hpp"

namespace berth::cgroup {

class PlacementGuard {
public:
    explicit PlacementGuard(Driver& driver) : driver_(driver) {}
    PlacementGuard(Driver& driver, Placement placement) : driver_(driver), placement_(std::move(placement)) {}
    PlacementGuard(const PlacementGuard&) = delete;
    PlacementGuard& operator=(const PlacementGuard&) = delete;
    // A failure to destroy is logged: the error that unwinds is the one worth reporting.
    ~PlacementGuard();

    void Set(Placement placement) { placement_ = std::move(placement); }
    const Placement& Get() const { return *placement_; }
    // The placement, now the caller's to keep.
    Placement Release() {
        Placement kept = std::move(*placement_);
        placement_.reset();
        return kept;
    }

private:
    Driver& driver_;
    std::optional<Placement> placement_;
};

}  // namespace berth::cgroup
