#include "cgroup/no_cgroup_driver.hpp"

#include "util/error.hpp"

namespace berth::cgroup {
namespace {

[[noreturn]] void ThrowNoCgroup(const std::string& what) {
    throw Error("Failed to " + what +
                    ": the container has no cgroup (it runs rootless and no cgroup is delegated to its user)");
}

}  // namespace

std::vector<std::string> ConfiguredLimitKeys(const config::Resources& r) {
    std::vector<std::string> keys;
    auto add = [&keys](bool set, const char* key) {
        if (set)
            keys.push_back(std::string("resources.") + key);
    };
    add(r.memory_max.has_value(), "memory_max");
    add(r.memory_high.has_value(), "memory_high");
    add(r.memory_swap_max.has_value(), "memory_swap_max");
    add(r.cpu_weight.has_value(), "cpu_weight");
    add(r.cpu_quota.has_value(), "cpu_quota");
    add(r.tasks_max.has_value(), "tasks_max");
    add(r.io_weight.has_value(), "io_weight");
    add(r.allowed_cpus.has_value(), "allowed_cpus");
    add(r.memory_low.has_value(), "memory_low");
    add(r.memory_swappiness.has_value(), "memory_swappiness");
    add(r.oom_kill_disable, "oom_kill_disable");
    add(r.allowed_mems.has_value(), "allowed_mems");
    add(!r.hugepage_limits.empty(), "hugepage_limits");
    add(!r.unified.empty(), "unified");
    return keys;
}

Placement NoCgroupDriver::Create(const std::string& container, pid_t, const config::Resources& resources) {
    std::vector<std::string> keys = ConfiguredLimitKeys(resources);
    if (!keys.empty()) {
        std::string list;
        for (const std::string& key : keys)
            list += (list.empty() ? "" : ", ") + key;
        throw Error("Failed to limit container " + container + " (" + list +
                        "): running rootless, no cgroup is delegated to this user (no systemd user manager, or "
                        "cgroup v1 controllers, which are never delegated); remove the limits or run as root");
    }
    Placement placement;
    placement.driver = kName;
    return placement;
}

void NoCgroupDriver::Attach(const Placement&, pid_t) {}

void NoCgroupDriver::Update(const Placement&, const config::Resources&) { ThrowNoCgroup("update the limits"); }

void NoCgroupDriver::Freeze(const Placement&) { ThrowNoCgroup("freeze the container"); }

void NoCgroupDriver::Thaw(const Placement&) { ThrowNoCgroup("thaw the container"); }

bool NoCgroupDriver::IsFrozen(const Placement&) { return false; }

std::vector<pid_t> NoCgroupDriver::Pids(const Placement&) { ThrowNoCgroup("list the container's processes"); }

Stats NoCgroupDriver::ReadStats(const Placement&) { ThrowNoCgroup("read the container's statistics"); }

void NoCgroupDriver::Destroy(const Placement&) {}

}  // namespace berth::cgroup
