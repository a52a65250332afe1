#pragma once
// How berthd gets a monitor without paying for a fork + exec of itself per container: one detached
// monitor server (`berthd --monitor-server`, spawned once) keeps a spare monitor forked, with its
// connection to systemd already open. Each start hands that spare the request over a unix socket
// (SCM_RIGHTS for the result socket and optional stdio) and forks the next spare off the critical
// path. Monitors stay detached from berthd: a restart or kill -9 of berthd loses none of them, and
// with systemd they live in the server's own scope (berthd-monitors-PID.scope in berth.slice).
#include <string>

#include "bus/engine.hpp"
#include "bus/manager_engine.hpp"
#include "util/fd.hpp"

namespace berth::bus {

// Spawns the monitor server now (at berthd's start-up) so that the first start does not wait for it.
void PrepareMonitorServer(const EngineSettings& settings);

// Hands a start (restore empty) or restore of name to a monitor; returns the socket on which
// the monitor reports "OK\n" or "<ApiErrorKind number> <message>\n" (EOF: it died first).
// stdio, when Given(), is passed to the monitor (the caller keeps its own fds).
UniqueFd RequestMonitor(const EngineSettings& settings, const std::string& name, const RestoreSource& restore,
                        ExecFds stdio);

// `berthd --monitor-server`: fd 3 is the control socket from berthd; returns when berthd closes it.
int RunMonitorServer(const EngineSettings& settings);

}  // namespace berth::bus
