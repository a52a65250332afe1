#pragma once
// Staying with a container process until it exits: forwarding signals, relaying its terminal.
#include <sys/types.h>

#include "manager/forwarded_signals.hpp"

namespace berth::manager {

class OomTracker;

struct ForegroundProcess {
    pid_t pid = -1;
    int pidfd = -1;             // our child (run's init or exec's process)
    int terminal_master = -1;   // the container's pty master, -1 without a terminal
    OomTracker* oom = nullptr;  // run's init: OOM kills recorded while it runs and at its exit
};

// Forwards every signal from `signals` to the process (WINCH as a window size update of its
// terminal), copies stdin -> terminal and terminal -> stdout when there is one, and returns the
// exit code (128+N when killed by signal N) once the process has exited and been reaped.
int StayInForeground(const ForegroundProcess& process, ForwardedSignals& signals);

}  // namespace berth::manager
