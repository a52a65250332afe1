#pragma once
// The start gate of a container made by `berth-runtime create` (runc's exec fifo): a FIFO in the
// container's state dir. The init holds it open read-write and reads one byte right before execve
// (launch::LaunchOptions::start_gate); `start` writes that byte. Once the init is gone no reader is
// left, so `start` fails at once instead of waiting.
#include <string>

#include "util/fd.hpp"

namespace berth::manager {

// DIR/exec.fifo
std::string StartGatePath(const std::string& container_dir);
// Makes the FIFO (0600, replacing a stale one) and opens it read-write for the init.
UniqueFd MakeStartGate(const std::string& container_dir);
// Lets the waiting init go on to execve; throws Error when no init waits any more.
void OpenStartGate(const std::string& container_dir);

}  // namespace berth::manager
