#pragma once
// Relaying a container's terminal to ours: stdin -> pty master, pty master -> stdout, our
// terminal raw meanwhile, its window size copied to the pty now and on every WINCH. The poll loop
// is the caller's (a foreground init's pidfd, or berthd's bus): it adds the two entries from
// PollFds() and hands their results back to OnPoll().
#include <poll.h>

#include <optional>

#include "manager/raw_terminal.hpp"

namespace berth::manager {

class TerminalRelay {
public:
    // master: borrowed, open for the relay's life.
    explicit TerminalRelay(int master);
    TerminalRelay(const TerminalRelay&) = delete;
    TerminalRelay& operator=(const TerminalRelay&) = delete;

    // stdin and the master, each with fd -1 once it is done.
    void PollFds(pollfd out[2]) const;
    // Copies what the two entries (as PollFds wrote them, revents filled in) have ready.
    void OnPoll(const pollfd ready[2]);
    // Our terminal's window size to the pty (SIGWINCH).
    void OnWindowChange() const;
    // Once the process has exited: what it wrote just before is still in the pty.
    void Drain();

private:
    int master_;
    std::optional<RawTerminal> raw_;
    bool stdin_open_ = true;
    bool master_open_ = true;
};

}  // namespace berth::manager
