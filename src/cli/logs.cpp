// berthctl logs [-f] [--since WHEN] [-n N] [--log-dir DIR] NAME: a detached container's output,
// from the journal (CONTAINER_NAME=NAME) or, where no journal runs, from LOG_DIR/NAME.log.
#include <iostream>

#include "cli/arg_cursor.hpp"
#include "cli/rootless_paths.hpp"
#include "cli/verb.hpp"
#include "config/loader.hpp"
#include "config/units.hpp"
#include "manager/container_id.hpp"
#include "manager/container_logs.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/time_format.hpp"

namespace berth::cli {
namespace {

// "10min" (that long ago) or an RFC 3339 time ("2026-12-03T10:00:00Z").
std::chrono::system_clock::time_point ParseSince(const std::string& text) {
    try {
        return std::chrono::system_clock::now() -
               std::chrono::duration_cast<std::chrono::system_clock::duration>(config::ParseDuration(text));
    } catch (const config::UnitError&) {
    }
    try {
        return ParseRfc3339(text);
    } catch (const Error&) {
        throw UsageError{"--since wants a duration (\"10min\") or an RFC 3339 time, not '" + text + "'"};
    }
}

size_t ParseLineCount(const std::string& text) {
    size_t used = 0;
    unsigned long n = 0;
    try {
        n = std::stoul(text, &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != text.size() || text[0] == '-')
        throw UsageError{"-n wants a number of lines, not '" + text + "'"};
    return n;
}

// berthd.toml's log_dir (where berthd's monitors write when no journal runs), else the default; a
// rootless user's own log dir.
std::string DefaultLogDir() {
    if (RunningRootless())
        return RootlessLogDir();
    try {
        return config::LoadDaemonConfig(config::SearchPath::DefaultDaemon()).log_dir;
    } catch (const std::exception& e) {
        LogDebug(std::string("Ignoring berthd.toml: ") + e.what());
        return config::DaemonConfig{}.log_dir;
    }
}

int LogsMain(const GlobalOptions&, const std::vector<std::string>& args) {
    manager::LogQuery query;
    std::optional<std::string> name, log_dir;
    ArgCursor cursor(args);
    while (!cursor.Done()) {
        if (cursor.TakeFlag("--follow") || cursor.TakeFlag("-f"))
            query.follow = true;
        else if (auto v = cursor.TakeValue("--since"))
            query.since = ParseSince(*v);
        else if (auto v = cursor.TakeValue("--lines"))
            query.lines = ParseLineCount(*v);
        else if (auto v = cursor.TakeValue("-n"))
            query.lines = ParseLineCount(*v);
        else if (auto v = cursor.TakeValue("--log-dir"))
            log_dir = v;
        else
            cursor.TakeName(name);
    }
    if (!name)
        throw UsageError{"missing container name"};
    query.name = manager::ContainerId(*name).str();
    query.log_dir = log_dir ? *log_dir : DefaultLogDir();
    LogDebug(manager::JournalRuns() ? "reading the journal" : "reading " + query.log_dir + "/" + query.name + ".log");
    manager::ReadContainerLogs(query, [](const std::string& line) { std::cout << line << std::endl; });
    return 0;
}

}  // namespace

BERTH_VERB("logs", "logs [-f] [--since WHEN] [-n N] [--log-dir DIR] NAME",
           "a container's output from the journal (or its log file)", LogsMain);

}  // namespace berth::cli
