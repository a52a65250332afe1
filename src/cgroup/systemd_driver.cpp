#include "cgroup/systemd_driver.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <optional>
#include <sstream>

#include "cgroup/cgroup_tree.hpp"
#include "cgroup/controller_files.hpp"
#include "cgroup/no_cgroup_driver.hpp"
#include "cgroup/placement_files.hpp"
#include "cgroup/systemd_manager.hpp"
#include "cgroup/v1_cpuset.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/pidfd.hpp"

namespace berth::cgroup {
namespace {

constexpr const char* kUnitInterface = "org.freedesktop.systemd1.Unit";
constexpr const char* kScopeInterface = "org.freedesktop.systemd1.Scope";
// systemd applies changed properties to the cgroup from its event loop, a moment after replying.
constexpr auto kApplyPatience = std::chrono::seconds(5);

std::string ProcDevices() { return ReadFileIfExists("/proc/devices").value_or(""); }

const std::string& UnitOf(const Placement& placement) {
    if (placement.unit.empty())
        throw Error("Failed to use a systemd placement: it names no unit", EINVAL);
    return placement.unit;
}

void ValidateName(const std::string& container) {
    if (container.empty() || container.find_first_of("/\\ \n") != std::string::npos)
        throw Error("Failed to create a scope for container '" + container + "': invalid name", EINVAL);
}

// The limits of the memory, cpu and pids controllers (VerifiableWrites) of changes.
config::Resources Verifiable(const config::Resources& changes) {
    config::Resources out;
    out.memory_max = changes.memory_max;
    out.memory_high = changes.memory_high;
    out.memory_swap_max = changes.memory_swap_max;
    out.cpu_weight = changes.cpu_weight;
    out.cpu_quota = changes.cpu_quota;
    out.tasks_max = changes.tasks_max;
    return out;
}

// Only the limits whose files systemd writes exactly as the cgroupfs mapping does are compared.
std::vector<ResolvedWrite> VerifiableWrites(std::vector<ResolvedWrite> writes) {
    std::erase_if(writes, [](const ResolvedWrite& w) {
        return w.write.controller != "memory" && w.write.controller != "cpu" && w.write.controller != "pids";
    });
    return writes;
}

// The scope's cgroup as the kernel reports it for a process inside (saves two bus round trips):
// the name=systemd (v1, hybrid) or unified "0::" line of /proc/PID/cgroup, if it ends in the unit.
std::optional<std::string> ScopeCgroupOfProcess(pid_t pid, const std::string& unit) {
    std::optional<std::string> text = ReadFileIfExists("/proc/" + std::to_string(pid) + "/cgroup");
    if (!text)
        return std::nullopt;
    std::istringstream lines(*text);
    std::string line;
    while (std::getline(lines, line)) {
        size_t first = line.find(':');
        size_t second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos)
            continue;
        std::string controllers = line.substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        if ((controllers == "name=systemd" || controllers.empty()) && path.size() > unit.size() &&
            path.compare(path.size() - unit.size() - 1, std::string::npos, "/" + unit) == 0)
            return path;
    }
    return std::nullopt;
}

}  // namespace

SystemdDriver::SystemdDriver(std::chrono::microseconds job_timeout, SystemdBus which)
    : which_(which), manager_(SystemdManager::Shared(which)), job_timeout_(job_timeout), layout_(DetectLayout()) {
    features_.version = -1;  // known once Features() is first asked
    features_.unified = layout_.kind == LayoutKind::V2;
}

const SystemdFeatures& SystemdDriver::Features() {
    if (features_.version < 0)
        features_.version = manager_.Version();
    return features_;
}

std::string SystemdDriver::ScopeCgroup(const std::string& unit, pid_t pid) {
    std::optional<std::string> cgroup = ScopeCgroupOfProcess(pid, unit);
    if (!cgroup)
        cgroup = manager_.UnitStringProperty(unit, kScopeInterface, "ControlGroup");
    if (!cgroup || cgroup->empty())
        throw Error("Failed to find the cgroup of " + unit + ": systemd reports none");
    return *cgroup;
}

Placement SystemdDriver::PlacementOf(const std::string& unit, pid_t pid) {
    Placement placement;
    placement.driver = Name();
    placement.unit = unit;
    std::string cgroup = ScopeCgroup(unit, pid);
    const Hierarchy* own_cpuset = layout_.V1ForController("cpuset");
    for (const Hierarchy& h : layout_.hierarchies) {
        std::string dir = h.mount_point + cgroup;
        // A v1 cpuset dir is never systemd's: one there is Berth's (ApplyV1Cpuset), or a leftover.
        if (&h != own_cpuset && PathExists(dir))
            placement.paths[h.key] = dir;
    }
    return placement;
}

void SystemdDriver::ApplyV1Cpuset(Placement& placement, const std::string& cgroup, const config::Resources& resources,
                                  pid_t pid) {
    const Hierarchy* cpuset = layout_.V1ForController("cpuset");
    if (cpuset == nullptr)
        throw Error("Failed to apply allowed_cpus/allowed_mems to " + placement.unit +
                        ": systemd sets AllowedCPUs and AllowedMemoryNodes only on cgroup v2, and no v1 cpuset "
                        "hierarchy is mounted",
                    EOPNOTSUPP);
    placement.paths[cpuset->key] = cpuset->mount_point + cgroup;  // recorded first: Destroy removes it
    MoveProcess(MakeV1Cpuset(*cpuset, cgroup, resources.allowed_cpus, resources.allowed_mems), pid);
}

config::Resources SystemdDriver::WithoutProperties(const config::Resources& resources) {
    config::Resources files;
    if (!Features().unified) {
        files.memory_low = resources.memory_low;
        files.memory_swappiness = resources.memory_swappiness;
        files.oom_kill_disable = resources.oom_kill_disable;
    } else {
        // Refused by ResolveWrites: v2 has neither.
        files.memory_swappiness = resources.memory_swappiness;
        files.oom_kill_disable = resources.oom_kill_disable;
    }
    files.hugepage_limits = resources.hugepage_limits;
    files.unified = resources.unified;
    return files;
}

void SystemdDriver::WriteDelegatedFiles(const Placement& placement, const config::Resources& resources) {
    config::Resources files = WithoutProperties(resources);
    if (files == config::Resources{})
        return;
    std::vector<ResolvedWrite> writes = ResolveWrites(layout_, placement, files);
    for (const ResolvedWrite& rw : writes)
        if (!PathExists(rw.dir + "/" + rw.write.file))
            throw Error("Failed to set " + rw.write.file + " in " + rw.dir + ": the file does not exist (systemd has "
                            "no property for it and does not enable the " + rw.write.controller +
                            " controller for " + placement.unit + ")",
                        EOPNOTSUPP);
    ApplyWrites(writes);
}

void SystemdDriver::RefuseUndelegatedLimits(const std::string& container, const config::Resources& resources) const {
    if (which_ != SystemdBus::User || layout_.kind == LayoutKind::V2)
        return;
    std::string list;
    for (const std::string& key : ConfiguredLimitKeys(resources))
        list += (list.empty() ? "" : ", ") + key;
    if (!list.empty())
        throw Error("Failed to limit container " + container + " (" + list +
                    "): running rootless, the systemd user manager has no controller delegated to it on this "
                    "cgroup v1 or hybrid layout (only name=systemd and an empty unified tree); remove the limits or "
                    "run as root");
}

Placement SystemdDriver::Create(const std::string& container, pid_t pid, const config::Resources& resources) {
    return CreateWhileWaiting(container, pid, resources, {});
}

Placement SystemdDriver::CreateWhileWaiting(const std::string& container, pid_t pid,
                                            const config::Resources& resources,
                                            const std::function<void()>& while_waiting) {
    ValidateName(container);
    RefuseUndelegatedLimits(container, resources);
    const std::string unit = location_.scope.empty() ? ScopeUnitName(container) : location_.scope;
    UniqueFd pidfd;
    if (Features().version >= PropertyMinVersion("PIDFDs"))
        pidfd = Pidfd::Open(pid).TakeFd();
    // A user manager cannot apply device rules (no device controller of its own); its user namespace
    // keeps the container from making device nodes anyway.
    config::Resources applied = resources;
    if (which_ == SystemdBus::User)
        applied.devices.clear();
    std::vector<UnitProperty> props = ScopeProperties(container, pid, pidfd.Get(), applied, Features(), ProcDevices());
    if (!location_.slice.empty())
        for (UnitProperty& prop : props)
            if (prop.name == "Slice")
                prop.value = location_.slice;
    manager_.StartTransientUnit(unit, props, job_timeout_, while_waiting);
    Placement placement{Name(), unit, {}};
    try {
        placement = PlacementOf(unit, pid);
        // systemd sets AllowedCPUs on cgroup v2 only (ResourceProperties); on v1 Berth does.
        if ((resources.allowed_cpus || resources.allowed_mems) && !Features().unified)
            ApplyV1Cpuset(placement, ScopeCgroup(unit, pid), resources, pid);
        // What systemd has no property for goes into the delegated cgroup (Delegate=yes) directly.
        WriteDelegatedFiles(placement, resources);
        if (resources.io_weight) {
            // systemd writes whichever weight file the kernel offers, and says nothing if none.
            config::Resources io;
            io.io_weight = resources.io_weight;
            RequireOfferedFiles(ResolveWrites(layout_, placement, io));
        }
        return placement;
    } catch (...) {
        Destroy(placement);
        throw;
    }
}

void SystemdDriver::Attach(const Placement& placement, pid_t pid) {
    if (Features().version >= 238) {
        manager_.AttachProcessesToUnit(UnitOf(placement), pid);
        // systemd leaves v1 cpusets alone: Berth's own one (allowed_cpus) takes the process too.
        if (const Hierarchy* cpuset = layout_.V1ForController("cpuset"))
            if (auto it = placement.paths.find(cpuset->key); it != placement.paths.end())
                MoveProcess(it->second, pid);
        return;
    }
    for (const auto& [key, dir] : placement.paths)
        MoveProcess(dir, pid);
}

void SystemdDriver::Update(const Placement& placement, const config::Resources& resources) {
    config::Resources changes = resources;
    changes.devices.clear();  // device rules are fixed at Create
    RefuseUndelegatedLimits(UnitOf(placement), changes);
    if (changes.allowed_cpus && !Features().unified) {
        const Hierarchy* cpuset = layout_.V1ForController("cpuset");
        auto it = cpuset ? placement.paths.find(cpuset->key) : placement.paths.end();
        if (it == placement.paths.end())
            throw Error("Failed to change allowed_cpus of " + UnitOf(placement) +
                            ": on cgroup v1 only a container started with allowed_cpus has a cpuset of its own",
                        EOPNOTSUPP);
        WriteFile(it->second + "/" + files::kCpusetCpus, *changes.allowed_cpus);
    }
    if (changes.allowed_mems && !Features().unified) {
        const Hierarchy* cpuset = layout_.V1ForController("cpuset");
        auto it = cpuset ? placement.paths.find(cpuset->key) : placement.paths.end();
        if (it == placement.paths.end())
            throw Error("Failed to change allowed_mems of " + UnitOf(placement) +
                            ": on cgroup v1 only a container started with allowed_cpus or allowed_mems has a cpuset "
                            "of its own",
                        EOPNOTSUPP);
        WriteFile(it->second + "/" + files::kCpusetMems, *changes.allowed_mems);
    }
    WriteDelegatedFiles(placement, changes);
    std::vector<UnitProperty> props = ResourceProperties(changes, Features(), "");
    if (props.empty())
        return;
    manager_.SetUnitProperties(UnitOf(placement), props);
    std::vector<ResolvedWrite> expected = VerifiableWrites(ResolveWrites(layout_, placement, Verifiable(changes)));
    bool applied = WaitUntil(
        [&] {
            try {
                VerifyWrites(expected);
                return true;
            } catch (const Error&) {
                return false;
            }
        },
        kApplyPatience);
    if (!applied)
        VerifyWrites(expected);  // throws naming the file that did not change
}

void SystemdDriver::SetFrozen(const Placement& placement, bool frozen) {
    const std::string& unit = UnitOf(placement);
    if (Features().version >= 246) {
        try {
            manager_.FreezeUnit(unit, frozen);
            const char* wanted = frozen ? "frozen" : "running";
            if (WaitUntil([&] { return manager_.UnitStringProperty(unit, kUnitInterface, "FreezerState") == wanted; },
                          std::chrono::duration_cast<std::chrono::milliseconds>(job_timeout_)))
                return;
            throw Error("Failed to " + std::string(frozen ? "freeze " : "thaw ") + unit + ": state not reached",
                        ETIMEDOUT);
        } catch (const Error& e) {
            if (e.Errno() == ETIMEDOUT)
                throw;
            // systemd 252 freezes only on a pure cgroup v2 system; the files work on hybrid too.
            LogDebug(std::string(e.what()) + " (using the cgroup freezer files)");
        }
    }
    SetFrozenViaFiles(layout_, placement, frozen);
}

void SystemdDriver::Freeze(const Placement& placement) { SetFrozen(placement, true); }

void SystemdDriver::Thaw(const Placement& placement) { SetFrozen(placement, false); }

bool SystemdDriver::IsFrozen(const Placement& placement) { return IsFrozenViaFiles(layout_, placement); }

std::vector<pid_t> SystemdDriver::Pids(const Placement& placement) { return PlacementPids(placement); }

Stats SystemdDriver::ReadStats(const Placement& placement) {
    if (which_ == SystemdBus::User && layout_.kind != LayoutKind::V2)
        throw Error("Failed to read the statistics of " + UnitOf(placement) +
                    ": a user manager's scope has no controller here (cgroup v1 or hybrid), so no statistics");
    return ReadStatsViaFiles(layout_, placement);
}

bool SystemdDriver::Removed(const Placement& placement, bool unit_gone) {
    for (const auto& [key, dir] : placement.paths)
        if (PathExists(dir))
            return false;
    return unit_gone || !manager_.UnitStringProperty(UnitOf(placement), kUnitInterface, "ActiveState").has_value();
}

void SystemdDriver::Destroy(const Placement& placement) {
    const std::string& unit = UnitOf(placement);
    // No cgroup dir left: the last process left, systemd stopped the scope and pruned its cgroups,
    // and it collects the unit (CollectMode=inactive-or-failed) before it answers any later call.
    bool any_dir = false;
    for (const auto& [key, dir] : placement.paths)
        any_dir = any_dir || PathExists(dir);
    if (!any_dir && !placement.paths.empty())
        return;
    if (IsFrozenViaFiles(layout_, placement))
        SetFrozen(placement, false);  // frozen tasks would not act on SIGKILL
    // After a foreground run the init (and with it the pid namespace) is gone: nothing to kill,
    // and stopping an empty scope sends no signal, so KillUnit would only cost a round trip.
    if (!PlacementPids(placement).empty())
        manager_.KillUnit(unit, SIGKILL);
    // The stop job ends once the scope is dead and its cgroups pruned; systemd collects the unit
    // (CollectMode=inactive-or-failed) before it handles our next call, so one look usually suffices.
    const bool unit_gone = !manager_.StopUnit(unit, job_timeout_);  // NoSuchUnit: nothing to ask again
    // Berth's own v1 cpuset (ApplyV1Cpuset): systemd does not remove it.
    if (const Hierarchy* cpuset = layout_.V1ForController("cpuset"))
        if (auto it = placement.paths.find(cpuset->key); it != placement.paths.end())
            RemoveCgroupTree(it->second);
    if (Removed(placement, unit_gone))
        return;
    manager_.ResetFailedUnit(unit);
    bool gone = WaitUntil([&] { return Removed(placement); },
                          std::chrono::duration_cast<std::chrono::milliseconds>(job_timeout_));
    if (!gone)
        throw Error("Failed to remove " + unit + ": the unit or its cgroup is still there", EBUSY);
}

}  // namespace berth::cgroup
