#pragma once
// The monitor of berthd's containers: one detached process (`berthd --monitor-server`) per state
// directory that is the parent of every container berthd started, with no process per container.
// It keeps a spare forked, with its connection to systemd already open; each start hands that
// spare the request over a unix socket (bus/monitor_request.hpp: SCM_RIGHTS for the result
// socket, optional stdio, console socket and socket activation fds); the spare starts the init
// (sending a terminal's pty master to the console socket), hands its pidfd and output pipes back
// and exits, and the server, a subreaper, adopts the init: one sd-event loop relays every
// container's output and records each exit in the state. berthd reaches it at STATE_DIR/.monitor.sock, again after a restart or kill -9
// of berthd (which loses nothing); with systemd it lives in its own scope (berthd-monitors-PID.scope
// in berth.slice). If the server itself is killed, its inits are reparented to PID 1: their exit
// statuses are unknown (never wrong), and the next start spawns a new server.
#include <string>

#include "bus/engine.hpp"
#include "bus/manager_engine.hpp"
#include "util/fd.hpp"

namespace berth::bus {

// Attaches to the state directory's monitor server, spawning it if none runs, now (at berthd's
// start-up) so that the first start does not wait for it.
void PrepareMonitorServer(const EngineSettings& settings);

// Hands a start (restore empty) or restore of name to a monitor; returns the socket on which
// the monitor reports "OK\n" or "<ApiErrorKind number> <message>\n" (EOF: it died first).
// stdio, when Given(), is passed to the monitor, and so are its console socket and socket
// activation fds (the caller keeps its own fds).
UniqueFd RequestMonitor(const EngineSettings& settings, const std::string& name, const RestoreSource& restore,
                        ExecFds stdio);

// `berthd --monitor-server`: listens on STATE_DIR/.monitor.sock (exits 0 at once if another server
// does), detaches, and returns once no berthd is attached and no container of its runs.
int RunMonitorServer(const EngineSettings& settings);

}  // namespace berth::bus
