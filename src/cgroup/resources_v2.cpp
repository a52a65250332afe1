// config::Resources -> cgroup v2 files (memory, cpu, pids, io, cpuset, hugetlb controllers; `unified`).
#include "cgroup/controller_files.hpp"
#include "cgroup/resources.hpp"

namespace berth::cgroup {
namespace {

std::string V2Number(uint64_t value) { return value == kUnlimited ? "max" : std::to_string(value); }

}  // namespace

std::vector<FileWrite> ResourcesToV2Writes(const config::Resources& r) {
    std::vector<FileWrite> writes;
    if (r.allowed_cpus)
        writes.push_back({"cpuset", files::kCpusetCpus, *r.allowed_cpus});
    if (r.allowed_mems)
        writes.push_back({"cpuset", files::kCpusetMems, *r.allowed_mems});
    if (r.memory_max)
        writes.push_back({"memory", files::kMemoryMax, V2Number(r.memory_max->bytes)});
    if (r.memory_low)
        writes.push_back({"memory", files::kMemoryLow, V2Number(r.memory_low->bytes)});
    if (r.memory_high)
        writes.push_back({"memory", files::kMemoryHigh, V2Number(r.memory_high->bytes)});
    if (r.memory_swap_max)
        writes.push_back({"memory", files::kMemorySwapMax, V2Number(r.memory_swap_max->bytes), true});
    if (r.cpu_weight)
        writes.push_back({"cpu", files::kCpuWeight, std::to_string(*r.cpu_weight)});
    if (r.cpu_quota) {
        const uint64_t period = config::PeriodOf(*r.cpu_quota);
        uint64_t percent = r.cpu_quota->percent;
        std::string quota = percent == 0 ? "max" : std::to_string(percent * period / 100);
        writes.push_back({"cpu", files::kCpuMax, quota + " " + std::to_string(period)});
    }
    if (r.tasks_max)
        writes.push_back({"pids", files::kPidsMax, V2Number(*r.tasks_max)});
    if (r.io_weight)
        writes.push_back({"io", files::kIoWeight, "default " + std::to_string(*r.io_weight), true});
    for (const auto& [page_size, limit] : r.hugepage_limits)
        writes.push_back({"hugetlb", "hugetlb." + page_size + ".max", V2Number(limit.bytes)});
    return writes;
}

std::vector<FileWrite> UnifiedToV2Writes(const config::Resources& r) {
    std::vector<FileWrite> writes;
    for (const auto& [key, value] : r.unified)
        writes.push_back({UnifiedKeyController(key), key, value});
    return writes;
}

std::string UnifiedKeyController(const std::string& key) { return key.substr(0, key.find('.')); }

}  // namespace berth::cgroup
