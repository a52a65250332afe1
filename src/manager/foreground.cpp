#include "manager/foreground.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "manager/init_process.hpp"
#include "manager/raw_terminal.hpp"
#include "util/error.hpp"

namespace berth::manager {
namespace {

// Writes everything, waiting for room when the (non-blocking) destination is full.
// Returns false when the destination is gone.
bool WriteFully(int fd, const char* data, size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n > 0) {
            data += n;
            size -= static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            pollfd pfd = {fd, POLLOUT, 0};
            ::poll(&pfd, 1, 100);
            continue;
        }
        return false;
    }
    return true;
}

// Copies one chunk; false on EOF or error (the source is done).
bool CopyChunk(int from, int to) {
    char buf[8192];
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    return WriteFully(to, buf, static_cast<size_t>(n));
}

}  // namespace

int StayInForeground(const ForegroundProcess& process, ForwardedSignals& signals) {
    const bool tty = process.terminal_master >= 0;
    std::optional<RawTerminal> raw;
    if (tty) {
        ::fcntl(process.terminal_master, F_SETFL, ::fcntl(process.terminal_master, F_GETFL) | O_NONBLOCK);
        raw.emplace(STDIN_FILENO);
        CopyWindowSize(STDIN_FILENO, process.terminal_master);
    }
    bool stdin_open = tty;
    bool master_open = tty;
    for (;;) {
        pollfd fds[4] = {
            {signals.Fd(), POLLIN, 0},
            {process.pidfd, POLLIN, 0},
            {stdin_open ? STDIN_FILENO : -1, POLLIN, 0},
            {master_open ? process.terminal_master : -1, POLLIN, 0},
        };
        if (::poll(fds, 4, -1) < 0) {
            if (errno == EINTR)
                continue;
            ThrowErrno("poll");
        }
        if (fds[0].revents & POLLIN) {
            while (std::optional<int> sig = signals.Next()) {
                if (*sig == SIGWINCH) {
                    CopyWindowSize(STDIN_FILENO, process.terminal_master);
                    continue;
                }
                try {
                    SendSignal(process.pidfd, process.pid, *sig);
                } catch (const Error&) {
                    // It exited meanwhile: the pidfd reports that next.
                }
            }
        }
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            stdin_open = CopyChunk(STDIN_FILENO, process.terminal_master);
            // Piped input ended: tell the terminal, as a person would, with the EOF character (^D).
            if (!stdin_open && !raw->Active())
                WriteFully(process.terminal_master, "\x04", 1);
        }
        if (fds[3].revents & (POLLIN | POLLHUP | POLLERR))
            master_open = CopyChunk(process.terminal_master, STDOUT_FILENO);
        if (fds[1].revents & POLLIN)
            break;
    }
    // Output the container wrote just before exiting is still in the pty.
    while (master_open)
        master_open = CopyChunk(process.terminal_master, STDOUT_FILENO) && [&] {
            pollfd pfd = {process.terminal_master, POLLIN, 0};
            return ::poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
        }();
    return ReapChild(process.pidfd, process.pid);
}

}  // namespace berth::manager
