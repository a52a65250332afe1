#pragma once
// What a runtime verb that leaves a process behind hands to its caller (conmon, the containerd
// shim): the process' pid in --pid-file and, for a terminal, the pty master over --console-socket.
#include <sys/types.h>

#include <string>

namespace berth::runtime {

// Writes the pid (no newline, as runc) to path via a temporary file and rename(2), so a reader
// never sees a partial number. Throws Error naming the path.
void WritePidFile(const std::string& path, pid_t pid);

// Connects to the unix stream socket at socket_path and sends the pty master (SCM_RIGHTS) with
// the pty's name as the message, as runc does. Throws Error naming the socket.
void SendConsole(const std::string& socket_path, int pty_master);

}  // namespace berth::runtime
