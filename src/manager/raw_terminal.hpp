#pragma once
// Our terminal in raw mode while we relay a container's terminal: keystrokes (^C included) go to
// the container untouched. The previous mode comes back on destruction, also on error paths.
#include <termios.h>

namespace berth::manager {

class RawTerminal {
public:
    // Does nothing when fd is not a terminal.
    explicit RawTerminal(int fd);
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;
    ~RawTerminal();

    bool Active() const { return active_; }

private:
    int fd_;
    bool active_ = false;
    termios saved_;
};

// Gives the pty behind `pty_master` the window size of the terminal `from` (no-op if not a tty).
void CopyWindowSize(int from, int pty_master);

}  // namespace berth::manager
