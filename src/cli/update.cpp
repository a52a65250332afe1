// berthctl update NAME [--memory SIZE] ...: change a running container's limits live.
#include "cli/arg_cursor.hpp"
#include "cli/backend.hpp"
#include "config/units.hpp"

namespace berth::cli {
namespace {

uint64_t ParseCount(const std::string& option, const std::string& text, uint64_t min, uint64_t max) {
    size_t used = 0;
    unsigned long long value = 0;
    try {
        value = std::stoull(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || text[0] == '-' || value < min || value > max)
        throw UsageError{option + " takes a whole number from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", not '" + text + "'"};
    return value;
}

int UpdateMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    config::Resources changes;
    std::optional<std::string> name;
    ArgCursor cursor(args);
    auto size = [](const std::string& option, const std::string& text) {
        try {
            return config::ParseByteSize(text);
        } catch (const config::UnitError& e) {
            throw UsageError{option + " " + text + ": " + e.what()};
        }
    };
    while (!cursor.Done()) {
        if (auto v = cursor.TakeValue("--memory")) {
            changes.memory_max = size("--memory", *v);
        } else if (auto v = cursor.TakeValue("--memory-high")) {
            changes.memory_high = size("--memory-high", *v);
        } else if (auto v = cursor.TakeValue("--cpu-quota")) {
            try {
                changes.cpu_quota = config::ParseCpuQuota(*v);
            } catch (const config::UnitError& e) {
                throw UsageError{"--cpu-quota " + *v + ": " + e.what()};
            }
        } else if (auto v = cursor.TakeValue("--tasks-max")) {
            changes.tasks_max = ParseCount("--tasks-max", *v, 1, UINT64_MAX);
        } else if (auto v = cursor.TakeValue("--cpu-weight")) {
            changes.cpu_weight = ParseCount("--cpu-weight", *v, 1, 10000);
        } else {
            cursor.TakeName(name);
        }
    }
    if (!name)
        throw UsageError{"missing container name"};
    if (changes == config::Resources{})
        throw UsageError{"nothing to update: give at least one of --memory, --memory-high, --cpu-quota, "
                         "--tasks-max, --cpu-weight"};
    MakeBackend(global)->Update(*name, changes);
    return 0;
}

}  // namespace

BERTH_VERB("update",
           "update NAME [--memory SIZE] [--memory-high SIZE] [--cpu-quota PCT%] [--tasks-max N] [--cpu-weight N]",
           "change a running container's resource limits live", UpdateMain);

}  // namespace berth::cli
