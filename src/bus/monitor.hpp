#pragma once
// Starting a container for berthd: a spare process forked by the monitor server
// (monitor_server.hpp) starts (or restores) the container's init as its own child, hands the
// init's pidfd and output pipes to the server, and exits; the server, a subreaper, becomes the
// init's parent, relays its stdout/stderr to the journal (CONTAINER_NAME=, CONTAINER_ID=) or to
// LOG_DIR/NAME.log and records its exit status in the state. The server is detached from berthd,
// so a restart or kill -9 of berthd loses nothing.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "bus/engine.hpp"
#include "bus/manager_engine.hpp"
#include "bus/monitor_request.hpp"
#include "cgroup/driver.hpp"
#include "util/fd.hpp"

namespace berth::bus {

// Starts the monitor for name and returns once the container runs (or throws why it did not).
// With a restore source, the monitor restores that CRIU checkpoint as name instead of starting it.
// With stdio given, the init gets those three fds (the monitor receives its own copies) and
// nothing is relayed to the journal. Returns the monitor's status channel: it reaches EOF once
// the init's exit status is recorded (or the monitor is gone).
UniqueFd StartWithMonitor(const EngineSettings& settings, const std::string& name, const RestoreSource& restore,
                      ExecFds stdio);

// What a spare hands the server once the init runs, with fds attached in this order: the status
// socket, the init's pidfd, the read ends of its stdout and stderr pipes (output_pipes: without
// given stdio), the OOM notification fd registered right after the start (oom_watch).
struct Handoff {
    std::string name;
    pid_t pid = 0;
    unsigned long long start_time = 0;
    bool output_pipes = false;
    bool oom_watch = false;
    std::string log_dir;  // where the output goes without a journal (the requesting berthd's)
    std::optional<uint64_t> system_oom_kills;  // /proc/vmstat oom_kill when the watch was armed
    size_t FdCount() const { return 2 + (output_pipes ? 2 : 0) + (oom_watch ? 1 : 0); }
};
std::string EncodeHandoff(const Handoff& handoff);
std::optional<Handoff> DecodeHandoff(const std::string& bytes);

// The spare's body: stdio empty or the init's stdin, stdout, stderr; status receives a failure
// ("<ApiErrorKind number> <message>", one line) from here, or is handed to the server with the
// init (server: the spare's socket). driver: made in advance by the spare (null: the Manager
// makes one). attachments: a terminal container's pty master goes to the console socket before
// the handoff; listen fds become the init's 3.. (a start). The caller exits right after, so that
// the server adopts the init.
int RunMonitor(const EngineSettings& settings, const std::string& name, const RestoreSource& restore,
               std::vector<UniqueFd> stdio, UniqueFd status, cgroup::Driver* driver, int server,
               MonitorAttachments attachments = {});

// Writes a Failed result with message to a status fd (for failures before RunMonitor).
void ReportMonitorFailure(int status_fd, const std::string& message);

}  // namespace berth::bus
