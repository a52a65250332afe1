#pragma once
// The last steps of a container process before its program runs: stdio, identity, cwd, exec.
#include <sys/types.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "launch/launcher.hpp"

namespace berth::launch {

// Places the given fds on 0, 1, 2 (inheritable), whatever numbers they have now.
void InstallStdio(const Stdio& stdio);

// Keeps fds 3..3+keep-1 open across execve as they are (OCI's preserved fds, socket activation's
// LISTEN_FDS) and marks every later fd close-on-exec, so nothing else reaches the container's program.
void CloseInheritedFds(unsigned keep = 0);
// Socket activation from fds anywhere in this process: dups sources[i] onto 3+i (what was there
// goes). Fails with EBUSY if one of still_needed (the sync socket, the start gate) sits in 3..3+n-1.
void PlaceListenFds(const std::vector<int>& sources, std::initializer_list<int> still_needed);

// setgroups (unless the user namespace denies it and there is nothing to set), setresgid,
// setresuid. Call with PR_SET_KEEPCAPS set so the permitted capabilities survive.
void SwitchUser(uid_t uid, gid_t gid, const std::vector<gid_t>& additional_gids, bool setgroups_denied);

// Every signal back to SIG_DFL, then an empty signal mask: the caller may block or ignore signals
// it forwards, which the container's program must not inherit (execve keeps masks and SIG_IGN).
void ResetSignals();

// The PATH value of an environment ("KEY=value" list), or the default search path.
std::string SearchPathOf(const std::vector<std::string>& env);

// Whether execve(args[0]) could find an executable file (searching PATH when it has no '/').
bool FindProgram(const std::string& program, const std::vector<std::string>& env);

// execve of args[0] (searched in PATH when it has no '/'); returns only by throwing.
[[noreturn]] void ExecProgram(const std::vector<std::string>& args, const std::vector<std::string>& env);

}  // namespace berth::launch
