#pragma once
// Acting on a placement through its cgroup files directly. The cgroupfs driver does everything
// this way; the systemd driver uses it to verify limits, read stats and as the freezer fallback.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "cgroup/cgroup_layout.hpp"
#include "cgroup/driver.hpp"
#include "cgroup/resources.hpp"

namespace berth::cgroup {

// A FileWrite resolved to the directory of the placement it goes to.
struct ResolvedWrite {
    std::string dir;
    FileWrite write;
};

// Each configured resource's file in the placement: v1 files where the controller is on v1, else
// v2 files in the unified dir. Throws when a configured controller is mounted nowhere, or a limit
// cannot be expressed in this layout (memory_high on v1, device rules on v2).
std::vector<ResolvedWrite> ResolveWrites(const Layout& layout, const Placement& placement,
                                         const config::Resources& resources);
// Writes them (optional files only when present). A write the kernel refuses because of another
// limit (memory.memsw below memory.limit) is retried once after the rest.
void ApplyWrites(const std::vector<ResolvedWrite>& writes);
// Throws when the kernel offers none of the optional files (only_if_present) one controller was
// to write into one directory: no blkio.weight nor blkio.bfq.weight, no memory.memsw.*.
void RequireOfferedFiles(const std::vector<ResolvedWrite>& writes);
// Throws naming the file, the wanted and the read value when a file does not show its write.
void VerifyWrites(const std::vector<ResolvedWrite>& writes);

// Every pid in every hierarchy of the placement (union, recursive).
std::vector<pid_t> PlacementPids(const Placement& placement);

// The freezer through files: v1 freezer.state where the freezer controller is on v1, else v2
// cgroup.freeze. Returns once the state is reached; throws after timeout.
void SetFrozenViaFiles(const Layout& layout, const Placement& placement, bool frozen,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
bool IsFrozenViaFiles(const Layout& layout, const Placement& placement);

// Stats from the placement's files: each controller from its v1 or v2 hierarchy.
Stats ReadStatsViaFiles(const Layout& layout, const Placement& placement);

// Kills every process in the placement (thawing it first; cgroup.kill where offered), until none
// is left or timeout passes (then throws).
void KillAllViaFiles(const Layout& layout, const Placement& placement,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace berth::cgroup
