// cgroup statistics files -> Stats (memory, CPU, pids, IO), same shape for v1 and v2.
#include <cstdlib>
#include <sstream>

#include "cgroup/controller_files.hpp"
#include "cgroup/stats.hpp"
#include "util/file.hpp"

namespace berth::cgroup {
namespace {

// v1 prints an unlimited memory limit as PAGE_COUNTER_MAX pages in bytes; Stats reports 0.
constexpr uint64_t kV1UnlimitedThreshold = 0x7FFFFFFFFFFFF000ULL;
// cpuacct.stat counts USER_HZ ticks, which the kernel ABI fixes at 100 per second.
constexpr uint64_t kNsPerUserHzTick = 10'000'000;

const std::string* Find(const StatFiles& files, const char* name) {
    auto it = files.find(name);
    return it == files.end() ? nullptr : &it->second;
}

// A single-number file; "max" (and v1's huge unlimited) read as 0 = unlimited.
uint64_t Number(const StatFiles& files, const char* name) {
    const std::string* text = Find(files, name);
    if (text == nullptr)
        return 0;
    std::string value = TrimRight(*text);
    if (value.empty() || value == "max" || value.find_first_not_of("0123456789") != std::string::npos)
        return 0;
    uint64_t n = std::strtoull(value.c_str(), nullptr, 10);
    return n >= kV1UnlimitedThreshold ? 0 : n;
}

std::map<std::string, uint64_t> Keyed(const StatFiles& files, const char* name) {
    const std::string* text = Find(files, name);
    return text == nullptr ? std::map<std::string, uint64_t>{} : ParseFlatKeyed(*text);
}

uint64_t Get(const std::map<std::string, uint64_t>& m, const char* key) {
    auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
}

// blkio.throttle.io_service_bytes: "8:0 Read 4096" lines, summed over devices.
void ParseBlkioServiceBytes(const std::string& text, Stats::Io& io) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream in(line);
        std::string device, op;
        uint64_t value = 0;
        if (!(in >> device >> op >> value))
            continue;
        if (op == "Read")
            io.read_bytes += value;
        else if (op == "Write")
            io.write_bytes += value;
    }
}

// io.stat: "8:0 rbytes=4096 wbytes=0 rios=1 ..." lines, summed over devices.
void ParseIoStat(const std::string& text, Stats::Io& io) {
    std::istringstream words(text);
    std::string word;
    while (words >> word) {
        size_t eq = word.find('=');
        if (eq == std::string::npos)
            continue;
        std::string key = word.substr(0, eq);
        uint64_t value = std::strtoull(word.c_str() + eq + 1, nullptr, 10);
        if (key == "rbytes")
            io.read_bytes += value;
        else if (key == "wbytes")
            io.write_bytes += value;
    }
}

void ParseMemory(const StatFiles& files, Stats::Memory& memory) {
    auto stat = Keyed(files, files::kMemoryStat);
    if (Find(files, files::kMemoryUsage) != nullptr) {  // v1
        memory.usage = Number(files, files::kMemoryUsage);
        memory.limit = Number(files, files::kMemoryLimit);
        memory.max_usage = Number(files, files::kMemoryMaxUsage);
        bool hierarchical = stat.count("total_cache") != 0;
        memory.cache = Get(stat, hierarchical ? "total_cache" : "cache");
        memory.anon = Get(stat, hierarchical ? "total_rss" : "rss");
    } else {
        memory.usage = Number(files, files::kMemoryCurrent);
        memory.limit = Number(files, files::kMemoryMax);
        memory.max_usage = Number(files, files::kMemoryPeak);
        memory.cache = Get(stat, "file");
        memory.anon = Get(stat, "anon");
    }
}

void ParseCpu(const StatFiles& files, Stats::Cpu& cpu) {
    auto stat = Keyed(files, files::kCpuStat);
    cpu.throttled_periods = Get(stat, "nr_throttled");
    if (stat.count("usage_usec") != 0) {  // v2
        cpu.total_ns = Get(stat, "usage_usec") * 1000;
        cpu.user_ns = Get(stat, "user_usec") * 1000;
        cpu.system_ns = Get(stat, "system_usec") * 1000;
        return;
    }
    cpu.total_ns = Number(files, files::kCpuacctUsage);
    if (Find(files, files::kCpuacctUsageUser) != nullptr) {
        cpu.user_ns = Number(files, files::kCpuacctUsageUser);
        cpu.system_ns = Number(files, files::kCpuacctUsageSys);
    } else {
        auto ticks = Keyed(files, files::kCpuacctStat);
        cpu.user_ns = Get(ticks, "user") * kNsPerUserHzTick;
        cpu.system_ns = Get(ticks, "system") * kNsPerUserHzTick;
    }
}

}  // namespace

std::map<std::string, uint64_t> ParseFlatKeyed(const std::string& text) {
    std::map<std::string, uint64_t> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream in(line);
        std::string key;
        uint64_t value = 0;
        if (in >> key >> value)
            out[key] = value;
    }
    return out;
}

const std::vector<StatFileSet>& StatFileSets() {
    static const std::vector<StatFileSet> sets = {
        {"memory",
         {files::kMemoryUsage, files::kMemoryLimit, files::kMemoryMaxUsage, files::kMemoryStat},
         {files::kMemoryCurrent, files::kMemoryMax, files::kMemoryPeak, files::kMemoryStat}},
        {"cpu", {files::kCpuStat}, {files::kCpuStat}},
        {"cpuacct", {files::kCpuacctUsage, files::kCpuacctUsageUser, files::kCpuacctUsageSys, files::kCpuacctStat}, {}},
        {"pids", {files::kPidsCurrent, files::kPidsMax}, {files::kPidsCurrent, files::kPidsMax}},
        {"blkio", {files::kBlkioServiceBytesRecursive, files::kBlkioServiceBytes}, {}},
        {"io", {}, {files::kIoStat}},
    };
    return sets;
}

Stats ParseStats(const StatFiles& files) {
    Stats stats;
    ParseMemory(files, stats.memory);
    ParseCpu(files, stats.cpu);
    stats.pids.current = Number(files, files::kPidsCurrent);
    stats.pids.limit = Number(files, files::kPidsMax);
    if (const std::string* text = Find(files, files::kBlkioServiceBytesRecursive))
        ParseBlkioServiceBytes(*text, stats.io);
    else if (const std::string* plain = Find(files, files::kBlkioServiceBytes))
        ParseBlkioServiceBytes(*plain, stats.io);
    if (const std::string* text = Find(files, files::kIoStat))
        ParseIoStat(*text, stats.io);
    return stats;
}

}  // namespace berth::cgroup
