#pragma once
// Our terminal in raw mode while we relay a container's terminal: keystrokes (^C included) go to
// the container untouched. The previous mode comes back on destruction, also on error paths.
#include <termios.h>

#include "launch/launcher.hpp"

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
// The window size of the terminal fd (0 x 0 if it is none), for a pty that is still to be made.
launch::WindowSize WindowSizeOf(int fd);

}  // namespace berth::manager
