#pragma once
// cgroup v1 cpusets: a new cpuset cgroup takes no task (and no child cpus) until its cpuset.cpus
// and cpuset.mems are set. systemd manages no v1 cpuset, so a systemd scope's allowed_cpus and allowed_mems live in
// a cpuset cgroup of Berth's own at the scope's path (as runc does for the controllers systemd
// leaves alone).
#include <sys/types.h>

#include <optional>
#include <string>

#include "cgroup/cgroup_layout.hpp"

namespace berth::cgroup {

// Copies cpuset.cpus (unless cpus_configured: the caller writes its own) and cpuset.mems from
// dir's parent where dir's are empty.
void InheritCpuset(const std::string& dir, bool cpus_configured);

// The cpuset cgroup at `cgroup` (a path below the hierarchy's root, "/berth.slice/berth-web.scope")
// in the v1 cpuset hierarchy, made with every missing parent (each inheriting its parent's cpus
// and mems), with cpuset.cpus = cpus and cpuset.mems = mems where set (else its parent's); returns
// its directory. Throws naming the file and value.
std::string MakeV1Cpuset(const Hierarchy& cpuset, const std::string& cgroup, const std::optional<std::string>& cpus,
                         const std::optional<std::string>& mems);

}  // namespace berth::cgroup
