#pragma once
// Registration of running containers with systemd-machined, as systemd-nspawn does: `machinectl
// list` and `machinectl status NAME` show them, `machinectl terminate NAME` stops their scope.
// machined finds the unit (berth-NAME.scope) from the leader's cgroup and drops the machine when
// that unit stops, so nothing needs unregistering.
#include <sys/types.h>

#include <string>

#include "cgroup/driver.hpp"

namespace berth::cgroup {

// Registers the container (leader pid, class "container", service "berth", root directory) if its
// placement is a systemd unit. Best effort: where machined is missing it logs that at debug level,
// any other refusal is a warning; the container runs either way.
void RegisterMachine(const Placement& placement, const std::string& name, pid_t leader,
                     const std::string& root_directory);

}  // namespace berth::cgroup
