// config::Resources -> systemd unit properties, aware of the systemd version and cgroup version.
#include "cgroup/scope_properties.hpp"

#include <cstdlib>
#include <map>
#include <sstream>

#include "cgroup/resources.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace berth::cgroup {
namespace {

// systemd's USec/bytes "infinity".
constexpr uint64_t kInfinity = UINT64_MAX;

// The systemd version that introduced each property Berth sends (from systemd's NEWS).
const std::map<std::string, int>& MinVersions() {
    static const std::map<std::string, int> versions = {
        {"Delegate", 218},           {"PIDFDs", 253},          {"CollectMode", 236},
        {"MemoryAccounting", 208},   {"TasksAccounting", 227}, {"CPUAccounting", 208},
        {"IOAccounting", 230},       {"BlockIOAccounting", 208}, {"MemoryMax", 231},
        {"MemoryHigh", 231},         {"MemorySwapMax", 232},   {"MemoryLimit", 208},
        {"CPUWeight", 232},          {"CPUShares", 208},       {"CPUQuotaPerSecUSec", 213},
        {"CPUQuotaPeriodUSec", 242}, {"TasksMax", 227},        {"IOWeight", 230},
        {"BlockIOWeight", 208},      {"AllowedCPUs", 244},     {"DeviceAllow", 208},
        {"DevicePolicy", 208},       {"MemoryLow", 231},       {"AllowedMemoryNodes", 244},
    };
    return versions;
}

// Appends a property if the running systemd knows it.
void Add(std::vector<UnitProperty>& props, const SystemdFeatures& features, const std::string& name,
         PropertyValue value) {
    int needed = PropertyMinVersion(name);
    if (features.version != 0 && needed > features.version) {
        LogDebug("systemd " + std::to_string(features.version) + " lacks " + name + " (since " +
                 std::to_string(needed) + "): not set");
        return;
    }
    props.push_back({name, std::move(value)});
}

// Appends a property for a configured limit: a systemd too old for it fails the start rather than
// leave the limit out.
void AddLimit(std::vector<UnitProperty>& props, const SystemdFeatures& features, const std::string& key,
              const std::string& name, PropertyValue value) {
    int needed = PropertyMinVersion(name);
    if (features.version != 0 && needed > features.version)
        throw Error("Failed to apply " + key + ": systemd " + std::to_string(features.version) + " lacks " + name +
                        " (since " + std::to_string(needed) + ")",
                    EOPNOTSUPP);
    props.push_back({name, std::move(value)});
}

[[noreturn]] void NeedsV2(const std::string& key, const std::string& property) {
    throw Error("Failed to apply " + key + ": systemd sets " + property +
                    " only on cgroup v2, and the memory controller is on cgroup v1 here",
                EOPNOTSUPP);
}

uint64_t Limit(uint64_t value) { return value == kUnlimited ? kInfinity : value; }

// "136 pts" lines of /proc/devices, in the section of the given type.
std::string DeviceClassName(const std::string& proc_devices, char type, int64_t major) {
    std::istringstream lines(proc_devices);
    std::string line;
    bool in_section = false;
    while (std::getline(lines, line)) {
        if (line == "Character devices:") {
            in_section = type == 'c';
            continue;
        }
        if (line == "Block devices:") {
            in_section = type == 'b';
            continue;
        }
        std::istringstream in(line);
        int64_t number;
        std::string name;
        if (in_section && (in >> number >> name) && number == major)
            return name;
    }
    return "";
}

}  // namespace

int ParseSystemdVersion(const std::string& version) { return std::atoi(version.c_str()); }

int PropertyMinVersion(const std::string& name) {
    auto it = MinVersions().find(name);
    return it == MinVersions().end() ? 0 : it->second;
}

std::string ScopeUnitName(const std::string& container) { return "berth-" + container + ".scope"; }

std::vector<uint8_t> CpuListToMask(const std::string& cpus) {
    std::vector<uint8_t> mask;
    auto set = [&](unsigned long cpu) {
        if (cpu >= 8192)
            throw Error("Invalid CPU list '" + cpus + "': CPU " + std::to_string(cpu) + " out of range", EINVAL);
        if (mask.size() <= cpu / 8)
            mask.resize(cpu / 8 + 1, 0);
        mask[cpu / 8] |= static_cast<uint8_t>(1u << (cpu % 8));
    };
    std::istringstream parts(TrimRight(cpus));
    std::string part;
    while (std::getline(parts, part, ',')) {
        if (part.empty())
            continue;
        char* end = nullptr;
        unsigned long first = std::strtoul(part.c_str(), &end, 10);
        unsigned long last = first;
        if (end == part.c_str())
            throw Error("Invalid CPU list '" + cpus + "'", EINVAL);
        if (*end == '-') {
            const char* second = end + 1;
            last = std::strtoul(second, &end, 10);
            if (end == second || last < first)
                throw Error("Invalid CPU list '" + cpus + "'", EINVAL);
        }
        if (*end != '\0')
            throw Error("Invalid CPU list '" + cpus + "'", EINVAL);
        for (unsigned long cpu = first; cpu <= last; ++cpu)
            set(cpu);
    }
    return mask;
}

namespace {

std::string DescribeRule(const config::DeviceRule& rule) {
    auto number = [](const std::optional<int64_t>& n) { return n ? std::to_string(*n) : std::string("*"); };
    return std::string(rule.allow ? "allow " : "deny ") + rule.type + " " + number(rule.major) + ":" +
           number(rule.minor) + " " + rule.access;
}

[[noreturn]] void Inexpressible(const config::DeviceRule& rule, const std::string& why) {
    throw Error("Failed to apply device rule '" + DescribeRule(rule) + "' with the systemd driver: " + why,
                EOPNOTSUPP);
}

// A deny rule after the allow list: systemd has no deny list, but under DevicePolicy=strict a
// device not on the allow list is denied already, and an allowed one can be taken off it.
void ApplyDeny(DevicePolicy& policy, const config::DeviceRule& rule) {
    if (!policy.strict)
        Inexpressible(rule, "systemd has no deny list, and everything is allowed before it");
    if (!rule.major || !rule.minor)
        Inexpressible(rule, "systemd has no deny list for a whole device class");
    std::string node = std::string("/dev/") + (rule.type == 'b' ? "block" : "char") + "/" +
                       std::to_string(*rule.major) + ":" + std::to_string(*rule.minor);
    for (auto it = policy.allow.begin(); it != policy.allow.end();) {
        if (it->first != node) {
            ++it;
            continue;
        }
        std::string left;
        for (char c : it->second)
            if (rule.access.find(c) == std::string::npos)
                left.push_back(c);
        if (left.empty())
            it = policy.allow.erase(it);
        else
            (it++)->second = left;
    }
}

}  // namespace

DevicePolicy DeviceRulesToPolicy(const std::vector<config::DeviceRule>& rules, const std::string& proc_devices) {
    DevicePolicy policy;
    for (const config::DeviceRule& rule : rules) {
        if (!rule.allow) {
            if (rule.type == 'a') {
                policy.strict = true;
                policy.allow.clear();  // everything before a deny-all is revoked by it
            } else {
                ApplyDeny(policy, rule);
            }
            continue;
        }
        if (rule.type == 'a') {
            policy.strict = false;  // allow everything
            policy.allow.clear();
            continue;
        }
        const char* kind = rule.type == 'b' ? "block" : "char";
        if (rule.major && rule.minor) {
            policy.allow.push_back({std::string("/dev/") + kind + "/" + std::to_string(*rule.major) + ":" +
                                        std::to_string(*rule.minor),
                                    rule.access});
        } else if (rule.major) {
            std::string name = DeviceClassName(proc_devices, rule.type, *rule.major);
            if (name.empty())
                Inexpressible(rule, "no " + std::string(kind) + " device class has major " +
                                        std::to_string(*rule.major) + " in /proc/devices");
            policy.allow.push_back({std::string(kind) + "-" + name, rule.access});
        } else {
            Inexpressible(rule, "systemd's DeviceAllow names no \"every major number\" of a type");
        }
    }
    return policy;
}

std::vector<UnitProperty> ResourceProperties(const config::Resources& r, const SystemdFeatures& f,
                                             const std::string& proc_devices) {
    std::vector<UnitProperty> props;
    if (r.memory_max)
        AddLimit(props, f, "memory_max", f.unified ? "MemoryMax" : "MemoryLimit", Limit(r.memory_max->bytes));
    if (r.memory_high) {
        if (!f.unified)
            NeedsV2("memory_high", "MemoryHigh");
        AddLimit(props, f, "memory_high", "MemoryHigh", Limit(r.memory_high->bytes));
    }
    if (r.memory_swap_max) {
        if (!f.unified)
            NeedsV2("memory_swap_max", "MemorySwapMax");
        AddLimit(props, f, "memory_swap_max", "MemorySwapMax", Limit(r.memory_swap_max->bytes));
    }
    // On v1 systemd has no soft limit: the systemd driver writes memory.soft_limit_in_bytes itself.
    if (r.memory_low && f.unified)
        AddLimit(props, f, "memory_low", "MemoryLow", Limit(r.memory_low->bytes));
    if (r.cpu_weight) {
        if (f.unified)
            AddLimit(props, f, "cpu_weight", "CPUWeight", *r.cpu_weight);
        else
            AddLimit(props, f, "cpu_weight", "CPUShares", CpuWeightToShares(*r.cpu_weight));
    }
    if (r.cpu_quota) {
        // percent of one CPU -> CPU time per second: 100% = 1 s/s = 1'000'000 us.
        uint64_t percent = r.cpu_quota->percent;
        AddLimit(props, f, "cpu_quota", "CPUQuotaPerSecUSec", percent == 0 ? kInfinity : percent * 10000);
        // Without it systemd keeps its default period of 100 ms.
        Add(props, f, "CPUQuotaPeriodUSec", config::PeriodOf(*r.cpu_quota));
    }
    if (r.tasks_max)
        AddLimit(props, f, "tasks_max", "TasksMax", Limit(*r.tasks_max));
    if (r.io_weight) {
        if (f.unified)
            AddLimit(props, f, "io_weight", "IOWeight", *r.io_weight);
        else
            AddLimit(props, f, "io_weight", "BlockIOWeight", IoWeightToBlkioWeight(*r.io_weight));
    }
    if (r.allowed_cpus) {
        if (f.unified)
            AddLimit(props, f, "allowed_cpus", "AllowedCPUs", CpuListToMask(*r.allowed_cpus));
        else
            LogDebug("systemd manages cpusets only on cgroup v2: allowed_cpus goes to Berth's own v1 cpuset");
    }
    if (r.allowed_mems && f.unified)
        AddLimit(props, f, "allowed_mems", "AllowedMemoryNodes", CpuListToMask(*r.allowed_mems));
    if (!r.devices.empty()) {
        DevicePolicy policy = DeviceRulesToPolicy(r.devices, proc_devices);
        // The allow list goes first: DevicePolicy=strict before it would briefly block everything.
        if (!policy.allow.empty())
            AddLimit(props, f, "devices", "DeviceAllow", policy.allow);
        AddLimit(props, f, "devices", "DevicePolicy", std::string(policy.strict ? "strict" : "auto"));
    }
    return props;
}

std::vector<UnitProperty> ScopeProperties(const std::string& container, pid_t pid, int pidfd,
                                          const config::Resources& resources, const SystemdFeatures& f,
                                          const std::string& proc_devices) {
    std::vector<UnitProperty> props;
    props.push_back({"Description", std::string("Berth container " + container)});
    props.push_back({"Slice", std::string(kBerthSlice)});
    if (pidfd >= 0 && f.version >= PropertyMinVersion("PIDFDs"))
        props.push_back({"PIDFDs", std::vector<PidFdValue>{{pidfd}}});
    else
        props.push_back({"PIDs", std::vector<uint32_t>{static_cast<uint32_t>(pid)}});
    Add(props, f, "Delegate", true);
    Add(props, f, "CollectMode", std::string("inactive-or-failed"));
    Add(props, f, "MemoryAccounting", true);
    Add(props, f, "TasksAccounting", true);
    Add(props, f, "CPUAccounting", true);
    Add(props, f, f.unified ? "IOAccounting" : "BlockIOAccounting", true);
    for (UnitProperty& p : ResourceProperties(resources, f, proc_devices))
        props.push_back(std::move(p));
    return props;
}

}  // namespace berth::cgroup
