// berthctl stats NAME: memory, CPU, pids and IO of a container's cgroup (text or JSON).
#include <iostream>

#include "cli/arg_cursor.hpp"
#include "cli/backend.hpp"
#include "cli/state_json.hpp"

namespace berth::cli {
namespace {

toml::table StatsToJson(const cgroup::Stats& stats) {
    auto n = [](uint64_t v) { return static_cast<int64_t>(v); };
    toml::table memory{{"usage", n(stats.memory.usage)},         {"limit", n(stats.memory.limit)},
                       {"max_usage", n(stats.memory.max_usage)}, {"cache", n(stats.memory.cache)},
                       {"anon", n(stats.memory.anon)}};
    toml::table cpu{{"total_ns", n(stats.cpu.total_ns)},
                    {"user_ns", n(stats.cpu.user_ns)},
                    {"system_ns", n(stats.cpu.system_ns)},
                    {"throttled_periods", n(stats.cpu.throttled_periods)}};
    toml::table pids{{"current", n(stats.pids.current)}, {"limit", n(stats.pids.limit)}};
    toml::table io{{"read_bytes", n(stats.io.read_bytes)}, {"write_bytes", n(stats.io.write_bytes)}};
    toml::table json;
    json.insert("memory", std::move(memory));
    json.insert("cpu", std::move(cpu));
    json.insert("pids", std::move(pids));
    json.insert("io", std::move(io));
    return json;
}

void PrintStatsText(const std::string& name, const cgroup::Stats& s) {
    auto limit = [](uint64_t v) { return v == 0 ? std::string("unlimited") : std::to_string(v); };
    std::cout << "Container: " << name << "\n"
              << "Memory:    usage " << s.memory.usage << " bytes, limit " << limit(s.memory.limit) << ", max usage "
              << s.memory.max_usage << ", cache " << s.memory.cache << ", anon " << s.memory.anon << "\n"
              << "CPU:       total " << s.cpu.total_ns << " ns, user " << s.cpu.user_ns << " ns, system "
              << s.cpu.system_ns << " ns, throttled periods " << s.cpu.throttled_periods << "\n"
              << "Tasks:     " << s.pids.current << " (limit " << limit(s.pids.limit) << ")\n"
              << "IO:        read " << s.io.read_bytes << " bytes, written " << s.io.write_bytes << " bytes\n";
}

int StatsMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    auto [json, name] = TakeJsonAndName(args);
    cgroup::Stats stats = MakeBackend(global)->Stats(manager::ContainerId(name).str());
    if (json)
        PrintJson(std::cout, StatsToJson(stats));
    else
        PrintStatsText(name, stats);
    return 0;
}

}  // namespace

BERTH_VERB("stats", "stats [--json] NAME", "memory, CPU, pids and IO usage of a container", StatsMain);

}  // namespace berth::cli
