#pragma once
// CVE-2019-5736: a process that enters a container (the init before its execve, an exec'd
// process, everything forked from berthd) shows the host's binary as /proc/PID/exe. A container
// process allowed to open that link (CAP_SYS_PTRACE defeats the non-dumpable flag) could reopen it
// for writing once the binary stops running and replace it. Running from a sealed memfd copy
// instead leaves nothing on the host to overwrite: writes to the copy fail (F_SEAL_WRITE).

namespace berth {

// Whether /proc/self/exe is a memfd sealed against every change.
bool RunningFromSealedCopy();

// Re-executes this program with the same argv and environment from a sealed memfd copy of
// /proc/self/exe, unless it already runs from one (then it returns at once). Throws Error if the
// copy can't be made or executed.
void ReexecFromSealedCopy(char** argv);

}  // namespace berth
