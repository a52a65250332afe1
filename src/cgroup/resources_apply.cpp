// Writing resource files into a placement's cgroup directories and checking they took.
#include <unistd.h>

#include <map>
#include <set>

#include "cgroup/placement_files.hpp"
#include "config/defaults.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace berth::cgroup {
namespace {

const std::string* PathFor(const Placement& placement, const std::string& key) {
    auto it = placement.paths.find(key);
    return it == placement.paths.end() ? nullptr : &it->second;
}

void Resolve(const Placement& placement, const Hierarchy& h, const FileWrite& w, std::vector<ResolvedWrite>& out) {
    if (const std::string* dir = PathFor(placement, h.key)) {
        out.push_back({*dir, w});
        return;
    }
    throw Error("Failed to set " + w.file + ": the container has no cgroup in the " + h.key + " hierarchy");
}

void WriteOne(const ResolvedWrite& rw) {
    std::string path = rw.dir + "/" + rw.write.file;
    try {
        WriteFile(path, rw.write.value);
    } catch (const Error& e) {
        ThrowErrno(e.Errno(), "Failed to set " + path + " to " + rw.write.value);
    }
}

// Limits the layout cannot express (v1 memory, v2 devices): failing beats leaving out what was asked for.
void RejectInexpressible(const Layout& layout, const config::Resources& r) {
    // cgroup v2 controls devices with a BPF program only, which this driver does not load: the
    // default rules are left out: a container's /dev holds only the nodes they allow.
    if (!r.devices.empty() && layout.V1ForController("devices") == nullptr) {
        if (r.devices != config::DefaultDeviceRules())
            throw Error("Failed to apply the device rules: on cgroup v2 they need a BPF program, which the "
                        "cgroupfs driver does not load (the systemd driver has systemd do it)",
                        EOPNOTSUPP);
        LogDebug("cgroup v2: the default device rules are not loaded as a BPF program");
    }
    if (r.memory_swappiness && layout.V1ForController("memory") == nullptr)
        throw Error("Failed to apply memory_swappiness: cgroup v2 has no memory.swappiness (the memory controller "
                    "is on v2 here)",
                    EOPNOTSUPP);
    if (r.oom_kill_disable && layout.V1ForController("memory") == nullptr)
        throw Error("Failed to apply oom_kill_disable: cgroup v2 cannot turn the OOM killer off (the memory "
                    "controller is on v2 here)",
                    EOPNOTSUPP);
    if (layout.V1ForController("memory") == nullptr)
        return;
    if (r.memory_high)
        throw Error("Failed to apply memory_high: cgroup v1 has no memory.high, and the memory controller is on v1 here",
                    EOPNOTSUPP);
    if (r.memory_swap_max && !r.memory_max)
        throw Error("Failed to apply memory_swap_max: cgroup v1 limits memory and swap together "
                    "(memory.memsw.limit_in_bytes), so it needs memory_max too",
                    EOPNOTSUPP);
}

// The `unified` files go to the cgroup2 hierarchy as they are named, or fail naming the key: never
// translated to v1 (crun refuses them on anything but a pure v2 layout; Berth takes what the v2
// mount can: its core cgroup.* files, and the files of the controllers it carries).
void ResolveUnified(const Layout& layout, const Placement& placement, const config::Resources& resources,
                    std::vector<ResolvedWrite>& out) {
    const Hierarchy* unified = layout.Unified();
    for (const FileWrite& w : UnifiedToV2Writes(resources)) {
        if (unified == nullptr)
            throw Error("Failed to apply the unified key " + w.file + ": no cgroup2 hierarchy is mounted", EOPNOTSUPP);
        if (w.controller != "cgroup" && !unified->HasController(w.controller)) {
            const bool on_v1 = layout.V1ForController(w.controller) != nullptr;
            throw Error("Failed to apply the unified key " + w.file + ": the " + w.controller + " controller is " +
                            (on_v1 ? "on cgroup v1 here" : "not available") + ", not on the cgroup2 hierarchy " +
                            unified->mount_point,
                        EOPNOTSUPP);
        }
        Resolve(placement, *unified, w, out);
    }
}

}  // namespace

std::vector<ResolvedWrite> ResolveWrites(const Layout& layout, const Placement& placement,
                                         const config::Resources& resources) {
    RejectInexpressible(layout, resources);
    std::vector<ResolvedWrite> out;
    for (const FileWrite& w : ResourcesToV1Writes(resources))
        if (const Hierarchy* h = layout.V1ForController(w.controller))
            Resolve(placement, *h, w, out);
    const Hierarchy* unified = layout.Unified();
    for (const FileWrite& w : ResourcesToV2Writes(resources)) {
        if (layout.V1ForController(w.controller == "io" ? "blkio" : w.controller) != nullptr)
            continue;  // written as its v1 file above (v2's io is v1's blkio)
        if (unified != nullptr && unified->HasController(w.controller)) {
            Resolve(placement, *unified, w, out);
        } else {
            throw Error("Failed to set " + w.file + ": the " + w.controller + " controller is not available" +
                        (layout.kind == LayoutKind::Hybrid
                             ? std::string(" (no cgroup v1 hierarchy binds it, and in a hybrid layout the cgroup2 "
                                           "hierarchy only tracks processes: its root's controllers are the host's)")
                             : std::string()),
                        EOPNOTSUPP);
        }
    }
    ResolveUnified(layout, placement, resources, out);
    return out;
}

void RequireOfferedFiles(const std::vector<ResolvedWrite>& writes) {
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> missing;  // (dir, controller)
    std::set<std::pair<std::string, std::string>> offered;
    for (const ResolvedWrite& rw : writes) {
        if (!rw.write.only_if_present)
            continue;
        std::pair<std::string, std::string> group{rw.dir, rw.write.controller};
        if (PathExists(rw.dir + "/" + rw.write.file))
            offered.insert(group);
        else
            missing[group].push_back(rw.write.file);
    }
    for (const auto& [group, files] : missing) {
        if (offered.count(group))
            continue;
        std::string names;
        for (const std::string& f : files)
            names += (names.empty() ? "" : " or ") + f;
        throw Error("Failed to set " + names + " in " + group.first +
                        ": the kernel does not offer it (an I/O scheduler with weights, swap accounting)",
                    EOPNOTSUPP);
    }
}

void ApplyWrites(const std::vector<ResolvedWrite>& writes) {
    RequireOfferedFiles(writes);
    std::vector<const ResolvedWrite*> refused;
    for (const ResolvedWrite& rw : writes) {
        if (rw.write.only_if_present && !PathExists(rw.dir + "/" + rw.write.file)) {
            LogDebug(rw.dir + "/" + rw.write.file + " is not offered by the kernel: its alternative is written");
            continue;
        }
        try {
            WriteOne(rw);
        } catch (const Error& e) {
            if (e.Errno() != EINVAL && e.Errno() != EBUSY)
                throw;
            LogDebug(std::string(e.what()) + " (retrying after the other limits)");
            refused.push_back(&rw);
        }
    }
    for (const ResolvedWrite* rw : refused)
        WriteOne(*rw);
}

void VerifyWrites(const std::vector<ResolvedWrite>& writes) {
    const uint64_t page_size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    for (const ResolvedWrite& rw : writes) {
        std::string path = rw.dir + "/" + rw.write.file;
        std::optional<std::string> now = ReadFileIfExists(path);
        if (!now) {
            if (rw.write.only_if_present)
                continue;
            throw Error("Failed to verify " + path + ": the file does not exist");
        }
        if (!WriteTookEffect(rw.write, *now, page_size))
            throw Error("Failed to verify " + path + ": expected " + rw.write.value + ", the kernel shows " +
                        TrimRight(*now));
    }
}

}  // namespace berth::cgroup
