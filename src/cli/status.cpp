// berthctl status NAME: a container at a glance, as `systemctl status` shows a unit.
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/backend.hpp"
#include "util/file.hpp"

namespace berth::cli {
namespace {

std::string HumanBytes(uint64_t bytes) {
    const char* units[] = {"B", "K", "M", "G", "T"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    std::ostringstream out;
    out << std::setprecision(value < 10 && unit > 0 ? 2 : 4) << value << units[unit];
    return out.str();
}

std::string CommandLine(pid_t pid) {
    std::string raw = ReadFileIfExists("/proc/" + std::to_string(pid) + "/cmdline").value_or("");
    for (auto& c : raw)
        if (c == '\0')
            c = ' ';
    return TrimRight(raw);
}

std::string LocalTime(uint64_t usec) {
    if (usec == 0)
        return "?";
    std::time_t seconds = static_cast<std::time_t>(usec / 1000000);
    std::tm tm{};
    localtime_r(&seconds, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M:%S %Z", &tm);
    return buf;
}

int StatusMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    if (args.size() != 1 || args[0].rfind("-", 0) == 0)
        throw UsageError{args.empty() ? "missing container name" : "expected one NAME"};
    const std::string& name = args[0];
    std::unique_ptr<Backend> backend = MakeBackend(global);
    ContainerSummary c = backend->Get(name);
    bool live = c.state == "running" || c.state == "paused";

    std::cout << (live ? "\u25cf " : "\u25cb ") << c.name << " - Berth container\n";
    std::cout << "     State: " << c.state << " (created " << LocalTime(c.created_usec) << ")\n";
    if (live)
        std::cout << "    Leader: " << c.leader << " (" << CommandLine(c.leader) << ")\n";
    if (!c.unit.empty())
        std::cout << "      Unit: " << c.unit << "\n";
    std::cout << "    Rootfs: " << c.rootfs << "\n";
    if (!live && c.exit_status >= 0)
        std::cout << "      Exit: " << c.exit_status << "\n";
    if (live) {
        try {
            cgroup::Stats stats = backend->Stats(name);
            std::cout << "     Tasks: " << stats.pids.current;
            if (stats.pids.limit)
                std::cout << " (limit: " << stats.pids.limit << ")";
            std::cout << "\n    Memory: " << HumanBytes(stats.memory.usage);
            if (stats.memory.limit && stats.memory.limit < (1ull << 60))
                std::cout << " (max: " << HumanBytes(stats.memory.limit) << ")";
            std::cout << "\n       CPU: " << std::fixed << std::setprecision(3)
                      << static_cast<double>(stats.cpu.total_ns) / 1e9 << "s\n";
        } catch (const std::exception& e) {
            std::cout << "     Stats: unavailable (" << e.what() << ")\n";
        }
        try {
            manager::ContainerState state = backend->Inspect(name);
            std::string cgroup = c.unit;
            for (const char* hierarchy : {"unified", "pids", "memory"})
                if (cgroup.empty() && state.placement.paths.count(hierarchy))
                    cgroup = state.placement.paths.at(hierarchy);
            std::cout << "    CGroup: " << cgroup << "\n";
            std::vector<pid_t> pids = backend->Processes(name);
            for (size_t i = 0; i < pids.size(); ++i)
                std::cout << "            " << (i + 1 == pids.size() ? "\u2514\u2500" : "\u251c\u2500") << pids[i] << " "
                          << CommandLine(pids[i]) << "\n";
        } catch (const std::exception& e) {
            std::cout << "    CGroup: unavailable (" << e.what() << ")\n";
        }
    }
    if (global.debug)
        std::cout << "   Backend: " << backend->Kind() << "\n";
    return 0;
}

}  // namespace

BERTH_VERB("status", "status NAME", "show a container's state, leader, unit, cgroup tree, memory and tasks",
           StatusMain);

}  // namespace berth::cli
