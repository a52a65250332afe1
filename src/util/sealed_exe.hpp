#pragma once
// CVE-2019-5736: a process that enters a container (the init before its execve, an exec'd
// process, everything forked from berthd) shows the host's binary as /proc/PID/exe. A container
// process allowed to open that link (CAP_SYS_PTRACE defeats the non-dumpable flag) could reopen it
// for writing once the binary stops running and replace it. Running from a read-only bind mount
// of the binary (EROFS), or where that can't be made from a sealed memfd copy (F_SEAL_WRITE),
// leaves nothing on the host to overwrite.

namespace berth {

// Whether /proc/self/exe is a memfd sealed against every change or on a read-only mount.
bool RunningFromSealedCopy();

// Re-executes this program with the same argv and environment from a read-only clone (or a
// sealed memfd copy) of /proc/self/exe, unless it already runs from one (then it returns at once). Throws Error if the
// copy can't be made or executed.
void ReexecFromSealedCopy(char** argv);

}  // namespace berth
