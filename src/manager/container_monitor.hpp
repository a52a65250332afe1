#pragma once
// What a monitor does once its container runs (berthd's monitors, bus/monitor.hpp, and a detached
// in-process `berthctl run`): it is the parent of the container's init, relays the init's stdout
// and stderr to the container's log, reaps the init and records its exit code in the state.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "manager/container_id.hpp"
#include "manager/manager.hpp"
#include "util/fd.hpp"

namespace berth::manager {

// A file log is rotated to NAME.log.1 once it grows past this.
constexpr uint64_t kMaxLogFileBytes = 4 * 1024 * 1024;

// Where a container's output goes: the journal when one runs (MESSAGE=, PRIORITY=,
// CONTAINER_NAME=NAME, CONTAINER_ID=NAME, SYSLOG_IDENTIFIER=berth-NAME), else LOG_DIR/NAME.log.
class ContainerLog {
public:
    ContainerLog(const std::string& log_dir, const std::string& name);
    // One line (without its newline); priority as syslog's (6 stdout, 3 stderr).
    void Line(const std::string& line, int priority);

private:
    void OpenFile();
    void RotateIfFull();

    std::string name_;
    std::string path_;  // empty: the journal
    UniqueFd file_;
    uint64_t size_ = 0;
};

// The init this process started and must reap.
struct MonitoredInit {
    ContainerId id;
    pid_t pid = -1;
    unsigned long long start_time = 0;
    int pidfd = -1;
};

// Relays out and err (read ends; the init holds the only write ends) to log until both reach
// EOF and the init has exited; records its exit code (128+N for signal N) with RecordExit as soon
// as it has, then calls on_recorded (if set).
void RelayUntilExit(Manager& manager, const MonitoredInit& init, UniqueFd out, UniqueFd err, ContainerLog& log,
                    const std::function<void()>& on_recorded);

}  // namespace berth::manager
