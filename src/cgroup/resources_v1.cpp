// config::Resources -> cgroup v1 files (memory, cpu, pids, blkio, cpuset, hugetlb, devices controllers).
#include <algorithm>

#include "cgroup/controller_files.hpp"
#include "cgroup/resources.hpp"
#include "util/log.hpp"

namespace berth::cgroup {
namespace {

std::string V1Number(uint64_t value) { return value == kUnlimited ? "-1" : std::to_string(value); }

std::string DeviceRuleLine(const config::DeviceRule& rule) {
    if (rule.type == 'a')
        return "a";  // the kernel reads "a" as every device, whatever follows
    auto number = [](const std::optional<int64_t>& n) { return n ? std::to_string(*n) : std::string("*"); };
    return std::string(1, rule.type) + " " + number(rule.major) + ":" + number(rule.minor) + " " + rule.access;
}

}  // namespace

uint64_t CpuWeightToShares(uint64_t weight) {
    // Linear around the defaults (100 <-> 1024), clamped to the kernel's range.
    return std::clamp<uint64_t>(weight * 1024 / 100, 2, 262144);
}

uint64_t CpuSharesToWeight(uint64_t shares) { return std::clamp<uint64_t>(shares * 100 / 1024, 1, 10000); }

uint64_t IoWeightToBlkioWeight(uint64_t weight) { return std::clamp<uint64_t>(weight * 500 / 100, 10, 1000); }

uint64_t BlkioWeightToIoWeight(uint64_t weight) { return std::clamp<uint64_t>(weight * 100 / 500, 1, 10000); }

std::vector<FileWrite> DeviceRulesToV1Writes(const std::vector<config::DeviceRule>& rules) {
    std::vector<FileWrite> writes;
    for (const config::DeviceRule& rule : rules)
        writes.push_back({"devices", rule.allow ? files::kDevicesAllow : files::kDevicesDeny, DeviceRuleLine(rule)});
    return writes;
}

std::vector<FileWrite> ResourcesToV1Writes(const config::Resources& r) {
    std::vector<FileWrite> writes;
    if (r.allowed_cpus)
        writes.push_back({"cpuset", files::kCpusetCpus, *r.allowed_cpus});
    if (r.allowed_mems)
        writes.push_back({"cpuset", files::kCpusetMems, *r.allowed_mems});
    if (r.memory_max)
        writes.push_back({"memory", files::kMemoryLimit, V1Number(r.memory_max->bytes)});
    if (r.memory_low)
        writes.push_back({"memory", files::kMemorySoftLimit, V1Number(r.memory_low->bytes)});
    if (r.memory_swappiness)
        writes.push_back({"memory", files::kMemorySwappiness, std::to_string(*r.memory_swappiness)});
    if (r.oom_kill_disable)
        writes.push_back({"memory", files::kMemoryOomControl, "1"});
    if (r.memory_high)
        LogDebug("cgroup v1 has no memory.high: memory_high not applied");
    if (r.memory_swap_max) {
        if (!r.memory_max) {
            LogDebug("cgroup v1 limits memory+swap together: memory_swap_max needs memory_max, not applied");
        } else {
            uint64_t mem = r.memory_max->bytes, swap = r.memory_swap_max->bytes;
            uint64_t memsw = (mem == kUnlimited || swap == kUnlimited || mem + swap < mem) ? kUnlimited : mem + swap;
            writes.push_back({"memory", files::kMemswLimit, V1Number(memsw), true});
        }
    }
    if (r.cpu_weight)
        writes.push_back({"cpu", files::kCpuShares, std::to_string(CpuWeightToShares(*r.cpu_weight))});
    if (r.cpu_quota) {
        const uint64_t period = config::PeriodOf(*r.cpu_quota);
        writes.push_back({"cpu", files::kCfsPeriod, std::to_string(period)});
        uint64_t percent = r.cpu_quota->percent;
        writes.push_back({"cpu", files::kCfsQuota, percent == 0 ? "-1" : std::to_string(percent * period / 100)});
    }
    if (r.tasks_max)
        writes.push_back({"pids", files::kPidsMax, *r.tasks_max == kUnlimited ? "max" : std::to_string(*r.tasks_max)});
    if (r.io_weight) {
        std::string weight = std::to_string(IoWeightToBlkioWeight(*r.io_weight));
        writes.push_back({"blkio", files::kBlkioWeight, weight, true});
        writes.push_back({"blkio", files::kBlkioBfqWeight, weight, true});
    }
    for (const auto& [page_size, limit] : r.hugepage_limits)
        writes.push_back({"hugetlb", "hugetlb." + page_size + ".limit_in_bytes", V1Number(limit.bytes)});
    for (FileWrite& w : DeviceRulesToV1Writes(r.devices))
        writes.push_back(std::move(w));
    return writes;
}

}  // namespace berth::cgroup
