// berth-runtime events [--stats] [--interval DURATION] ID: runc's event stream, one JSON object a
// line: {"type":"stats","id":ID,"data":{cpu, memory, pids, blkio}} from Berth's cgroup stats every
// interval (default 5s) while the container runs, or once with --stats.
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <thread>

#include "manager/errors.hpp"
#include "runtime/options.hpp"
#include "runtime/context.hpp"
#include "runtime/verb.hpp"

namespace berth::runtime {
namespace {

using Json = nlohmann::ordered_json;

// A Go duration as runc takes it: "5s", "250ms", "1m30s", "1h", "2us".
std::chrono::microseconds ParseGoDuration(const std::string& text) {
    static const std::pair<const char*, double> kUnits[] = {{"ns", 1e-3}, {"us", 1}, {"µs", 1}, {"ms", 1e3},
                                                            {"s", 1e6},   {"m", 60e6}, {"h", 3600e6}};
    double total = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t used = 0;
        double number = 0;
        try {
            number = std::stod(text.substr(pos), &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || number < 0)
            throw UsageError{"invalid --interval '" + text + "' (a duration such as 5s or 500ms)"};
        pos += used;
        const std::pair<const char*, double>* unit = nullptr;
        for (const auto& candidate : kUnits) {
            std::string name = candidate.first;
            if (text.compare(pos, name.size(), name) == 0 && (!unit || name.size() > std::string(unit->first).size()))
                unit = &candidate;
        }
        if (!unit)
            throw UsageError{"invalid --interval '" + text + "': missing unit (ns, us, ms, s, m, h)"};
        pos += std::string(unit->first).size();
        total += number * unit->second;
    }
    if (total <= 0)
        throw UsageError{"--interval must be positive, not '" + text + "'"};
    return std::chrono::microseconds(static_cast<int64_t>(total));
}

// runc's types.Stats for what Berth's cgroup stats hold.
Json StatsEvent(const std::string& id, const cgroup::Stats& stats) {
    Json blkio = Json::array();
    blkio.push_back({{"major", 0}, {"minor", 0}, {"op", "Read"}, {"value", stats.io.read_bytes}});
    blkio.push_back({{"major", 0}, {"minor", 0}, {"op", "Write"}, {"value", stats.io.write_bytes}});
    Json data = {
        {"cpu",
         {{"usage", {{"total", stats.cpu.total_ns}, {"kernel", stats.cpu.system_ns}, {"user", stats.cpu.user_ns}}},
          {"throttling", {{"throttledPeriods", stats.cpu.throttled_periods}}}}},
        {"memory",
         {{"usage", {{"limit", stats.memory.limit}, {"usage", stats.memory.usage}, {"max", stats.memory.max_usage}}},
          {"raw", {{"cache", stats.memory.cache}, {"anon", stats.memory.anon}}}}},
        {"pids", {{"current", stats.pids.current}, {"limit", stats.pids.limit}}},
        {"blkio", {{"ioServiceBytesRecursive", blkio}}},
    };
    return {{"type", "stats"}, {"id", id}, {"data", data}};
}

int EventsMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    bool once = false;
    std::chrono::microseconds interval = std::chrono::seconds(5);
    OptionParser options(args);
    while (options.AtOption()) {
        const std::string name = options.Name();
        if (name == "stats")
            once = options.TakeFlag();
        else if (name == "interval")
            interval = ParseGoDuration(options.TakeValue());
        else
            options.RejectUnknown();
    }
    manager::ContainerId id(TakeSingleId(options.Rest()));
    manager::Manager manager = MakeManager(global);
    if (once) {
        std::cout << StatsEvent(id.str(), manager.Stats(id)).dump() << std::endl;
        return 0;
    }
    for (;;) {
        cgroup::Stats stats;
        try {
            stats = manager.Stats(id);
        } catch (const manager::InvalidState&) {
            return 0;  // the container stopped: the stream ends, as runc's
        } catch (const manager::NoSuchContainer&) {
            return 0;  // the container stopped: the stream ends, as runc's
        }
        std::cout << StatsEvent(id.str(), stats).dump() << std::endl;
        std::this_thread::sleep_for(interval);
    }
}

}  // namespace

BERTH_RUNTIME_VERB("events", "events [--stats] [--interval DURATION] ID",
                   "display container events such as resource usage statistics", EventsMain);

}  // namespace berth::runtime
