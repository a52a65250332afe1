#pragma once
// What a monitor does once its container runs (berthd's monitors, bus/monitor.hpp, and a detached
// in-process `berthctl run`): it is the parent of the container's init, relays the init's stdout
// and stderr to the container's log, reaps the init and records its exit code in the state.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cgroup/oom_watch.hpp"
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
    // Armed before the init's program started (RunOptions::watch_oom); null: watch from now on.
    cgroup::OomWatch* oom_watch = nullptr;
};

class OomTracker;

// One init's monitoring, driven by whoever polls its fds (RelayUntilExit below, or berthd's
// monitor server with the inits of every container in one event loop): relays the init's stdout
// and stderr to its log line by line, records the OOM kills of its memory cgroup and, once it has
// exited, its exit code (128+N for signal N) in the state, exactly once.
class InitMonitor {
public:
    // out and err: read ends (the init holds the only write ends), or invalid when the init's
    // stdio is someone else's. init.pidfd stays the caller's. oom_watch: the notification fd of a
    // cgroup::OomWatch registered on the init's memory cgroup right after its start (by the process
    // that started it), else InitMonitor registers one itself.
    InitMonitor(Manager& manager, MonitoredInit init, UniqueFd out, UniqueFd err, ContainerLog log,
                cgroup::OomRegistration oom_watch = {});
    InitMonitor(const InitMonitor&) = delete;
    InitMonitor& operator=(const InitMonitor&) = delete;
    ~InitMonitor();

    const MonitoredInit& Init() const { return init_; }
    // -1 once at EOF (or never given); the fd itself stays open until CloseOut/CloseErr or the
    // destructor, so that an event loop can stop watching it first.
    int OutFd() const { return out_open_ ? out_.Get() : -1; }
    int ErrFd() const { return err_open_ ? err_.Get() : -1; }
    void CloseOut() { out_.Reset(); }
    void CloseErr() { err_.Reset(); }
    // -1 without a watchable memory cgroup.
    int OomFd() const;
    // How soon CheckOom should run again without a notification (ms); -1: not before one.
    int OomRecheckMs() const;

    // Reads what the stream has; at EOF the rest of a line goes to the log.
    void OnOutReadable();
    void OnErrReadable();
    // notified: the OOM fd was readable.
    void CheckOom(bool notified);
    // Reaps the init if it has exited and records its exit code; true once that is done (the
    // first true is the only one: later calls return true and do nothing).
    bool ReapIfExited();

    bool Exited() const { return exited_; }
    // Exited, and both streams at EOF: nothing more will come.
    bool Finished() const { return exited_ && !out_open_ && !err_open_; }

private:
    Manager& manager_;
    MonitoredInit init_;
    UniqueFd out_, err_;
    bool out_open_, err_open_;
    std::string out_pending_, err_pending_;
    ContainerLog log_;
    std::unique_ptr<OomTracker> oom_;
    bool exited_ = false;
};

// Relays out and err (read ends; the init holds the only write ends) to log until both reach
// EOF and the init has exited; records its exit code (128+N for signal N) with RecordExit as soon
// as it has, then calls on_recorded (if set).
void RelayUntilExit(Manager& manager, const MonitoredInit& init, UniqueFd out, UniqueFd err, ContainerLog& log,
                    const std::function<void()>& on_recorded);

}  // namespace berth::manager
