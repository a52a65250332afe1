// Listing and killing every process of a placement.
#include <signal.h>

#include <algorithm>
#include <set>

#include "cgroup/cgroup_tree.hpp"
#include "cgroup/controller_files.hpp"
#include "cgroup/placement_files.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace berth::cgroup {

std::vector<pid_t> PlacementPids(const Placement& placement) {
    std::set<pid_t> all;
    for (const auto& [key, dir] : placement.paths)
        for (pid_t pid : ReadProcsRecursive(dir))
            all.insert(pid);
    return {all.begin(), all.end()};
}

void KillAllViaFiles(const Layout& layout, const Placement& placement, std::chrono::milliseconds timeout) {
    // A frozen task does not die until thawed.
    if (IsFrozenViaFiles(layout, placement))
        SetFrozenViaFiles(layout, placement, false);

    auto unified = placement.paths.find(kUnifiedKey);
    if (unified != placement.paths.end() && PathExists(unified->second + "/" + files::kKill)) {
        try {
            WriteFile(unified->second + "/" + files::kKill, "1");
        } catch (const Error& e) {
            LogDebug(std::string(e.what()) + " (falling back to signalling each process)");
        }
    }
    bool empty = WaitUntil(
        [&] {
            std::vector<pid_t> pids = PlacementPids(placement);
            for (pid_t pid : pids)
                if (pid > 1)
                    ::kill(pid, SIGKILL);
            return pids.empty();
        },
        timeout);
    if (!empty)
        throw Error("Failed to kill the container's processes: some are still in its cgroup", EBUSY);
}

}  // namespace berth::cgroup
