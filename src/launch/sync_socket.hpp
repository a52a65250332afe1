#pragma once
// The parent/child sync protocol over a SOCK_SEQPACKET socket pair (one message per send).
//   parent -> child: Go (maps written, cgroup placed: go on).
//   child -> parent: Failed {step, errno} | TerminalMaster (fd in SCM_RIGHTS) ... then EOF,
//   or Gated (waiting at the start gate for `start`; the parent returns, EOF comes at exec).
// When the child can set up its rootfs before the cgroup placement, Go is preceded by
//   parent -> child: SetUp (the parent now only waits, so the child may use the shared memory; a
//   child on a copy of the memory gets it right after clone and sets up during the placement);
//   child -> parent: Ready (done, waiting for Go) | Failed (and the child waits for Go, then exits).
// With OCI setup hooks (LaunchOptions::hooks), after Go and right before pivot_root:
//   child -> parent: HooksDue (the parent runs its prestart/createRuntime hooks);
//   parent -> child: HooksDone {the state JSON for the child's createContainer hooks}.
// The child's end is close-on-exec, so EOF without Failed means execve succeeded.
#include <functional>
#include <optional>
#include <string>

#include "util/fd.hpp"

namespace berth::launch {

// Parent side.
void SendGo(int sock);
// Sends SetUp and blocks until the child answers Ready (consumed) or Failed/EOF (left for
// ReceiveUntilExec). False when SetUp could not be sent. Allocates nothing and never throws:
// it may run inside a cgroup driver's request while the child uses the memory both share.
bool RunChildSetUp(int sock) noexcept;
// The two halves of RunChildSetUp, for a child on a copy of our memory, which may set up while
// we place its cgroup: SendSetUp returns at once; AwaitReady blocks as RunChildSetUp does.
bool SendSetUp(int sock) noexcept;
void AwaitReady(int sock) noexcept;

// Child side. WaitForGo returns false on EOF (the parent gave up: exit quietly).
bool WaitForGo(int sock);
bool WaitForSetUp(int sock);  // false on EOF or any other message
void SendReady(int sock);
void SendFailure(int sock, const std::string& step, int err) noexcept;
void SendTerminalMaster(int sock, int master);
// Sends HooksDue and waits for HooksDone: its state text; nullopt on EOF (the parent gave up).
std::optional<std::string> AwaitHooksDone(int sock);
// The child is set up and waits at its start gate (LaunchOptions::start_gate) instead of exec'ing.
void SendGated(int sock);

// Parent side: reads until EOF (or Gated). Returns the terminal master if one was sent; throws Error(step,
// errno) exactly as the child reported it. On HooksDue it calls on_hooks_due and answers HooksDone
// with what it returns (a throw from it propagates: the child then sees EOF and exits).
UniqueFd ReceiveUntilExec(int sock, const std::function<std::string()>& on_hooks_due = {});

}  // namespace berth::launch
