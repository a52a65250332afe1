// Freezing a placement through v1 freezer.state or v2 cgroup.freeze, waiting for the state.
#include "cgroup/cgroup_tree.hpp"
#include "cgroup/controller_files.hpp"
#include "cgroup/placement_files.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::cgroup {
namespace {

struct FreezerDir {
    std::string dir;
    bool v1 = false;
};

std::optional<FreezerDir> FindFreezer(const Layout& layout, const Placement& placement) {
    if (const Hierarchy* h = layout.V1ForController("freezer")) {
        auto it = placement.paths.find(h->key);
        if (it != placement.paths.end())
            return FreezerDir{it->second, true};
    }
    auto it = placement.paths.find(kUnifiedKey);
    if (it != placement.paths.end() && PathExists(it->second + "/" + files::kFreeze))
        return FreezerDir{it->second, false};
    return std::nullopt;
}

bool V2Frozen(const std::string& dir) {
    std::optional<std::string> events = ReadCgroupFileIfPresent(dir + "/" + files::kEvents);
    return events && events->find("frozen 1") != std::string::npos;
}

std::string V1State(const std::string& dir) { return TrimRight(ReadFile(dir + "/" + files::kFreezerState)); }

}  // namespace

void SetFrozenViaFiles(const Layout& layout, const Placement& placement, bool frozen,
                       std::chrono::milliseconds timeout) {
    std::optional<FreezerDir> freezer = FindFreezer(layout, placement);
    const char* verb = frozen ? "freeze" : "thaw";
    if (!freezer)
        throw Error(std::string("Failed to ") + verb + " container: no freezer (v1 freezer or cgroup.freeze) available");
    bool reached = false;
    if (freezer->v1) {
        const std::string target = frozen ? "FROZEN" : "THAWED";
        // Writing FROZEN again nudges tasks that were busy (state FREEZING) when first asked.
        reached = WaitUntil(
            [&] {
                WriteFile(freezer->dir + "/" + files::kFreezerState, target);
                return V1State(freezer->dir) == target;
            },
            timeout);
    } else {
        WriteFile(freezer->dir + "/" + files::kFreeze, frozen ? "1" : "0");
        reached = WaitUntil([&] { return V2Frozen(freezer->dir) == frozen; }, timeout);
    }
    if (!reached)
        throw Error(std::string("Failed to ") + verb + " cgroup " + freezer->dir + ": state not reached in time", ETIMEDOUT);
}

bool IsFrozenViaFiles(const Layout& layout, const Placement& placement) {
    std::optional<FreezerDir> freezer = FindFreezer(layout, placement);
    if (!freezer)
        return false;
    if (freezer->v1) {
        std::optional<std::string> state = ReadCgroupFileIfPresent(freezer->dir + "/" + files::kFreezerState);
        return state && TrimRight(*state) == "FROZEN";
    }
    return V2Frozen(freezer->dir);
}

}  // namespace berth::cgroup
