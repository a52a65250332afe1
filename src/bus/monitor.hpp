#pragma once
// The monitor: one small process per started container, forked by the monitor server
// (monitor_server.hpp). It starts the container's init as its own child, so it can read the
// init's exit status; relays the container's stdout/stderr to the journal (CONTAINER_NAME=,
// CONTAINER_ID=) or to LOG_DIR/NAME.log; records the exit status in the state; then exits. It is
// detached from berthd, so a restart or kill -9 of berthd loses nothing.
#include <string>
#include <vector>

#include "bus/engine.hpp"
#include "bus/manager_engine.hpp"
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

// The monitor's body (in a forked spare): stdio empty or the init's stdin, stdout, stderr; status
// receives the start result ("OK" or "<ApiErrorKind number> <message>", one line) and is closed
// once the exit status is recorded.
// driver: made in advance by the spare (null: the Manager makes one).
int RunMonitor(const EngineSettings& settings, const std::string& name, const RestoreSource& restore,
               std::vector<UniqueFd> stdio, UniqueFd status, cgroup::Driver* driver);

// Writes a Failed result with message to a status fd (for failures before RunMonitor).
void ReportMonitorFailure(int status_fd, const std::string& message);

}  // namespace berth::bus
