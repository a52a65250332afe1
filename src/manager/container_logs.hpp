#pragma once
// Reading a detached container's output back: from the journal (entries with CONTAINER_NAME=NAME,
// as berthd's monitor writes them) or, where no journal runs, from LOG_DIR/NAME.log and its
// rotated predecessor NAME.log.1.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace berth::manager {

struct LogQuery {
    std::string name;
    std::optional<size_t> lines;                                 // only the last N lines
    std::optional<std::chrono::system_clock::time_point> since;  // journal only
    bool follow = false;                                          // then wait for new lines, forever
    std::string log_dir = "/var/log/berth";
};

using LogLineSink = std::function<void(const std::string& line)>;

// True when journald accepts entries here (its socket exists): output went to the journal.
bool JournalRuns();

// Hands each line (without its newline) to sink, oldest first, from the journal when it runs,
// else from the log files. Throws Error when neither can be read (no file: nothing logged yet is
// an error naming the file).
void ReadContainerLogs(const LogQuery& query, const LogLineSink& sink);
void ReadJournalLogs(const LogQuery& query, const LogLineSink& sink);
void ReadFileLogs(const LogQuery& query, const LogLineSink& sink);

}  // namespace berth::manager
