#include "manager/raw_terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include "util/error.hpp"

namespace berth::manager {

RawTerminal::RawTerminal(int fd) : fd_(fd) {
    if (!::isatty(fd) || ::tcgetattr(fd, &saved_) < 0)
        return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSANOW, &raw) < 0)
        ThrowErrno("Failed to put the terminal in raw mode");
    active_ = true;
}

RawTerminal::~RawTerminal() {
    if (active_)
        ::tcsetattr(fd_, TCSANOW, &saved_);
}

void CopyWindowSize(int from, int pty_master) {
    winsize size;
    if (pty_master >= 0 && ::ioctl(from, TIOCGWINSZ, &size) == 0)
        ::ioctl(pty_master, TIOCSWINSZ, &size);
}

launch::WindowSize WindowSizeOf(int fd) {
    winsize size{};
    if (::ioctl(fd, TIOCGWINSZ, &size) < 0)
        return {};
    return {size.ws_row, size.ws_col};
}

}  // namespace berth::manager
