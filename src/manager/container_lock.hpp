#pragma once
// Serializes operations on one container across processes and threads: flock(2) on
// STATE_DIR/NAME/.lock. Different containers have different lock files and never block each other.
#include <string>

#include "util/fd.hpp"

namespace berth::manager {

class ContainerLock {
public:
    // Blocks until the lock on dir/.lock is held. Creates the lock file (dir must exist).
    // Throws NoSuchContainer when dir vanished (the container was removed meanwhile).
    explicit ContainerLock(const std::string& dir);
    ContainerLock(ContainerLock&&) noexcept = default;
    ContainerLock& operator=(ContainerLock&&) noexcept = default;
    // Closing the fd releases the flock.
    ~ContainerLock() = default;

private:
    UniqueFd fd_;
};

}  // namespace berth::manager
