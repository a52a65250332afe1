#pragma once
// A pty allocated inside the container's own devpts instance.
#include <sys/types.h>

namespace berth::launch {

// Opens /dev/ptmx of the caller's mount namespace, sends the master to the parent over `sync`,
// makes the peer the controlling terminal of a new session and installs it as 0, 1, 2.
// The slave is chowned to uid/gid so the container's user owns its terminal, and has the window
// size rows x columns (unless 0) before the program can ask for it.
void SetUpTerminal(int sync, uid_t uid, gid_t gid, unsigned short rows = 0, unsigned short columns = 0);

}  // namespace berth::launch
