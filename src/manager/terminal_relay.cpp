#include "manager/terminal_relay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

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

constexpr short kReady = POLLIN | POLLHUP | POLLERR;

}  // namespace

TerminalRelay::TerminalRelay(int master) : master_(master) {
    ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
    raw_.emplace(STDIN_FILENO);
    CopyWindowSize(STDIN_FILENO, master_);
}

void TerminalRelay::PollFds(pollfd out[2]) const {
    out[0] = {stdin_open_ ? STDIN_FILENO : -1, POLLIN, 0};
    out[1] = {master_open_ ? master_ : -1, POLLIN, 0};
}

void TerminalRelay::OnPoll(const pollfd ready[2]) {
    if (ready[0].fd >= 0 && (ready[0].revents & kReady)) {
        stdin_open_ = CopyChunk(STDIN_FILENO, master_);
        // Piped input ended: tell the terminal, as a person would, with the EOF character (^D).
        if (!stdin_open_ && !raw_->Active())
            WriteFully(master_, "\x04", 1);
    }
    if (ready[1].fd >= 0 && (ready[1].revents & kReady))
        master_open_ = CopyChunk(master_, STDOUT_FILENO);
}

void TerminalRelay::OnWindowChange() const { CopyWindowSize(STDIN_FILENO, master_); }

void TerminalRelay::Drain() {
    while (master_open_)
        master_open_ = CopyChunk(master_, STDOUT_FILENO) && [&] {
            pollfd pfd = {master_, POLLIN, 0};
            return ::poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
        }();
}

}  // namespace berth::manager
