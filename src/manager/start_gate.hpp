#pragma once
// The start gate of a container made by `berth-runtime create` (runc's exec fifo): a FIFO in the
// container's state dir. The init holds it open read-write and reads one byte right before execve
// (launch::LaunchOptions::start_gate); `start` writes that byte, then (when the init runs
// startContainer hooks) the state they get: a native u32 length and the JSON. Once the init is
// gone no reader is left, so `start` fails at once instead of waiting.
// Beside it, the result FIFO: the init holds it open (close-on-exec) until execve and writes there
// why it failed instead (a startContainer hook). `start` reads it to EOF, so it returns once the
// program runs, or throws that reason.
#include <string>

#include "util/fd.hpp"

namespace berth::manager {

struct StartGate {
    UniqueFd gate;    // launch::LaunchOptions::start_gate
    UniqueFd result;  // launch::LaunchOptions::start_result
};

// DIR/exec.fifo
std::string StartGatePath(const std::string& container_dir);
// Makes both FIFOs (0600, replacing stale ones) and opens them read-write for the init.
StartGate MakeStartGate(const std::string& container_dir);
// Lets the waiting init go on to execve, handing it `state` first when not empty; throws Error
// when no init waits any more, or with the init's reason when it failed before execve.
void OpenStartGate(const std::string& container_dir, const std::string& state = {});

}  // namespace berth::manager
