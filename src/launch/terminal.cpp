#include "launch/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "launch/sync_socket.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth::launch {

void SetUpTerminal(int sync, uid_t uid, gid_t gid, unsigned short rows, unsigned short columns) {
    UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master)
        ThrowErrno("open /dev/ptmx in the container");
    int unlock = 0;
    if (::ioctl(master.Get(), TIOCSPTLCK, &unlock) < 0)
        ThrowErrno("unlock the pty");
    // TIOCGPTPEER opens the slave through the master: no path lookup that could be raced.
    UniqueFd slave(::ioctl(master.Get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave)
        ThrowErrno("open the pty slave");
    if ((uid != 0 || gid != 0) && ::fchown(slave.Get(), uid, gid) < 0)
        ThrowErrno("chown the pty slave");
    winsize size{};
    size.ws_row = rows;
    size.ws_col = columns;
    if ((rows || columns) && ::ioctl(master.Get(), TIOCSWINSZ, &size) < 0)
        ThrowErrno("set the pty's window size");
    SendTerminalMaster(sync, master.Get());
    master.Reset();
    if (::setsid() < 0)
        ThrowErrno("setsid");
    if (::ioctl(slave.Get(), TIOCSCTTY, 0) < 0)
        ThrowErrno("make the pty the controlling terminal");
    for (int i = 0; i < 3; ++i)
        if (::dup2(slave.Get(), i) < 0)
            ThrowErrno("install the pty as stdio");
}

}  // namespace berth::launch
