#pragma once
// The parent/child sync protocol over a SOCK_SEQPACKET socket pair (one message per send).
//   parent -> child: Go (maps written, cgroup placed: go on).
//   child -> parent: Failed {step, errno} | TerminalMaster (fd in SCM_RIGHTS) ... then EOF.
// The child's end is close-on-exec, so EOF without Failed means execve succeeded.
#include <string>

#include "util/fd.hpp"

namespace berth::launch {

// Parent side.
void SendGo(int sock);

// Child side. WaitForGo returns false on EOF (the parent gave up: exit quietly).
bool WaitForGo(int sock);
void SendFailure(int sock, const std::string& step, int err) noexcept;
void SendTerminalMaster(int sock, int master);

// Parent side: reads until EOF. Returns the terminal master if one was sent; throws Error(step,
// errno) exactly as the child reported it.
UniqueFd ReceiveUntilExec(int sock);

}  // namespace berth::launch
