// linux.resources: memory, cpu, pids, blockIO weight, hugepage limits, `unified` and device rules
// onto config::Resources; the limits the model has no place for are refused by name.
#include <cstdint>

#include "cgroup/resources.hpp"
#include "config/cgroup_names.hpp"
#include "oci/json_reader.hpp"
#include "oci/spec.hpp"

namespace berth::oci {
namespace {


void RefuseSet(const Json& object, const std::string& path, std::initializer_list<const char*> keys) {
    for (const char* key : keys) {
        const Json* value = Member(object, key);
        if (value && !(value->is_array() && value->empty()) && !(value->is_object() && value->empty()))
            Unsupported(MemberPath(path, key), "no such limit in Berth's model");
    }
}

void ConvertMemory(const Json& resources, config::Resources& into) {
    const Json* memory = OptObject(resources, "memory", "linux.resources");
    if (!memory)
        return;
    const std::string path = "linux.resources.memory";
    std::optional<int64_t> limit = OptInt(*memory, "limit", path);
    if (limit && *limit > 0)
        into.memory_max = config::ByteSize{static_cast<uint64_t>(*limit)};
    // OCI's swap is memory + swap (cgroup v1's memsw); the model keeps swap alone.
    std::optional<int64_t> swap = OptInt(*memory, "swap", path);
    if (swap && *swap > 0) {
        if (!limit || *limit <= 0 || *swap < *limit)
            Invalid(MemberPath(path, "swap"), "memory+swap needs a memory limit no larger than it");
        into.memory_swap_max = config::ByteSize{static_cast<uint64_t>(*swap - *limit)};
    }
    into.oom_kill_disable = OptBool(*memory, "disableOOMKiller", path).value_or(false);
    std::optional<int64_t> reservation = OptInt(*memory, "reservation", path);
    if (reservation && *reservation > 0)
        into.memory_low = config::ByteSize{static_cast<uint64_t>(*reservation)};
    // A null or a number above 100 (runc writes -1 as uint64 max for "leave it") means unset.
    if (const Json* swappiness = Member(*memory, "swappiness"); swappiness && !swappiness->is_null()) {
        std::optional<uint64_t> value = OptUint(*memory, "swappiness", path);
        if (value && *value <= 100)
            into.memory_swappiness = *value;
        else if (value && *value != UINT64_MAX)
            Invalid(MemberPath(path, "swappiness"), "expected 0..100");
    }
    RefuseSet(*memory, path, {"kernel", "kernelTCP"});
}

void ConvertHugepages(const Json& resources, config::Resources& into) {
    const Json* list = OptArray(resources, "hugepageLimits", "linux.resources");
    if (!list)
        return;
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string path = IndexPath("linux.resources.hugepageLimits", i);
        const Json& item = AsObject((*list)[i], path);
        std::optional<std::string> size = OptString(item, "pageSize", path);
        if (!size || !config::IsHugepageSize(*size))
            Invalid(MemberPath(path, "pageSize"), "expected a page size as the kernel names it (2MB, 1GB)");
        std::optional<uint64_t> limit = OptUint(item, "limit", path);
        if (!limit)
            Invalid(MemberPath(path, "limit"), "missing");
        if (!into.hugepage_limits.emplace(*size, config::ByteSize{*limit}).second)
            Invalid(MemberPath(path, "pageSize"), "the limit of " + *size + " pages is given twice");
    }
}

// linux.resources.unified: cgroup v2 file names and the values to write, as runc and crun take them.
void ConvertUnified(const Json& resources, config::Resources& into) {
    const Json* unified = OptObject(resources, "unified", "linux.resources");
    if (!unified)
        return;
    for (const auto& [key, value] : unified->items()) {
        const std::string path = MemberPath("linux.resources.unified", key);
        if (!config::IsUnifiedFileName(key))
            Invalid(path, "expected a cgroup v2 file name (controller.file)");
        into.unified[key] = AsString(value, path);
    }
}

void ConvertCpu(const Json& resources, config::Resources& into) {
    const Json* cpu = OptObject(resources, "cpu", "linux.resources");
    if (!cpu)
        return;
    const std::string path = "linux.resources.cpu";
    if (std::optional<uint64_t> shares = OptUint(*cpu, "shares", path); shares && *shares != 0) {
        if (*shares < 2 || *shares > 262144)
            Invalid(MemberPath(path, "shares"), "expected 2..262144");
        // The inverse of the drivers' own weight -> shares mapping (systemd's: 1024 = 100), so a
        // v1 cpu.shares gets the value asked for (exactly for multiples of 256); runc's v2 formula
        // would turn 1024 into weight 39, written back on v1 as 399.
        into.cpu_weight = cgroup::CpuSharesToWeight(*shares);
    }
    std::optional<int64_t> quota = OptInt(*cpu, "quota", path);
    uint64_t period = OptUint(*cpu, "period", path).value_or(0);
    if (period != 0 && (period < config::kMinCpuPeriodUsec || period > config::kMaxCpuPeriodUsec))
        Invalid(MemberPath(path, "period"), "expected 1000..1000000 (microseconds)");
    const uint64_t stored_period = period == config::kDefaultCpuPeriodUsec ? 0 : period;
    if (quota && *quota > 0) {
        if (period == 0)
            period = config::kDefaultCpuPeriodUsec;
        uint64_t scaled = static_cast<uint64_t>(*quota) * 100;
        if (scaled % period != 0)
            Unsupported(MemberPath(path, "quota"), "Berth's quota is a whole percentage of a CPU (quota*100 "
                                                   "must be a multiple of the period)");
        into.cpu_quota = config::CpuQuota{static_cast<uint32_t>(scaled / period), stored_period};
    } else if (stored_period != 0) {
        into.cpu_quota = config::CpuQuota{0, stored_period};  // a period without a quota (none: "max")
    }
    if (std::optional<std::string> cpus = OptString(*cpu, "cpus", path); cpus && !cpus->empty())
        into.allowed_cpus = *cpus;
    if (std::optional<std::string> mems = OptString(*cpu, "mems", path); mems && !mems->empty())
        into.allowed_mems = *mems;
    for (const char* key : {"realtimeRuntime", "realtimePeriod", "burst"})
        if (OptInt(*cpu, key, path).value_or(0) != 0)
            Unsupported(MemberPath(path, key), "no such limit in Berth's model");
    if (OptInt(*cpu, "idle", path).value_or(0) != 0)
        Unsupported(MemberPath(path, "idle"), "no such limit in Berth's model");
}

void ConvertBlockIo(const Json& resources, config::Resources& into) {
    const Json* block = OptObject(resources, "blockIO", "linux.resources");
    if (!block)
        return;
    const std::string path = "linux.resources.blockIO";
    if (std::optional<uint64_t> weight = OptUint(*block, "weight", path); weight && *weight != 0) {
        if (*weight < 10 || *weight > 1000)
            Invalid(MemberPath(path, "weight"), "expected 10..1000");
        into.io_weight = cgroup::BlkioWeightToIoWeight(*weight);  // exact back on v1 for multiples of 5
    }
    if (OptUint(*block, "leafWeight", path).value_or(0) != 0)
        Unsupported(MemberPath(path, "leafWeight"), "no such limit in Berth's model");
    RefuseSet(*block, path, {"weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
                             "throttleReadIOPSDevice", "throttleWriteIOPSDevice"});
}

void ConvertDeviceRules(const Json& resources, std::vector<config::DeviceRule>& rules) {
    const Json* list = OptArray(resources, "devices", "linux.resources");
    if (!list)
        return;
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string path = IndexPath("linux.resources.devices", i);
        const Json& item = AsObject((*list)[i], path);
        config::DeviceRule rule;
        std::optional<bool> allow = OptBool(item, "allow", path);
        if (!allow)
            Invalid(MemberPath(path, "allow"), "missing");
        rule.allow = *allow;
        std::string type = OptString(item, "type", path).value_or("a");
        if (type != "a" && type != "c" && type != "b")
            Invalid(MemberPath(path, "type"), "expected a, c or b, not '" + type + "'");
        rule.type = type[0];
        rule.major = OptInt(item, "major", path);
        rule.minor = OptInt(item, "minor", path);
        // Some writers spell "any" as -1 instead of leaving the number out.
        if (rule.major && *rule.major < 0)
            rule.major.reset();
        if (rule.minor && *rule.minor < 0)
            rule.minor.reset();
        rule.access = OptString(item, "access", path).value_or("rwm");
        if (rule.access.empty() || rule.access.find_first_not_of("rwm") != std::string::npos)
            Invalid(MemberPath(path, "access"), "expected letters of rwm, not '" + rule.access + "'");
        rules.push_back(rule);
    }
}

}  // namespace

void ConvertResources(const Json& resources, config::Resources& into) {
    ConvertMemory(resources, into);
    ConvertCpu(resources, into);
    if (const Json* pids = OptObject(resources, "pids", "linux.resources")) {
        std::optional<int64_t> limit = OptInt(*pids, "limit", "linux.resources.pids");
        if (limit && *limit > 0)
            into.tasks_max = static_cast<uint64_t>(*limit);
    }
    ConvertBlockIo(resources, into);
    ConvertDeviceRules(resources, into.devices);
    ConvertHugepages(resources, into);
    ConvertUnified(resources, into);
    RefuseSet(resources, "linux.resources", {"network", "rdma"});
}

}  // namespace berth::oci
