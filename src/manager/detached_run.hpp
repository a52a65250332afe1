#pragma once
// A detached run without berthd (berthctl run --detach, in-process): as conmon does for podman, a
// monitor process forked off the caller is the parent of the container's init. The container's
// stdout and stderr go to its log (ContainerLog), never to the caller's terminal or pipe, and the
// monitor records the init's exit code in the state when it ends.
#include <string>

#include "checkpoint/checkpoint.hpp"
#include "config/model.hpp"
#include "manager/manager.hpp"

namespace berth::manager {

// Creates and starts config (Manager::Run) in a new monitor process and returns once it runs, with
// its recorded state; throws Error with the reason the start failed (then nothing remains).
ContainerState RunDetached(Manager& manager, const config::ContainerConfig& config, const std::string& log_dir);

// The same for a restore (RestoreContainer into manager's state dir): the restored init's stdio,
// where it was a pipe or socket at checkpoint time, is the monitor's pipes to the log.
ContainerState RestoreDetached(Manager& manager, const std::string& cgroup_driver,
                               const checkpoint::RestoreOptions& options, const std::string& log_dir);

}  // namespace berth::manager
