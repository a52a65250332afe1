#include "manager/foreground.hpp"

#include <poll.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <optional>

#include "manager/init_process.hpp"
#include "manager/oom_tracker.hpp"
#include "manager/terminal_relay.hpp"
#include "util/error.hpp"

namespace berth::manager {

int StayInForeground(const ForegroundProcess& process, ForwardedSignals& signals) {
    std::optional<TerminalRelay> relay;
    if (process.terminal_master >= 0)
        relay.emplace(process.terminal_master);
    for (;;) {
        pollfd fds[5] = {
            {signals.Fd(), POLLIN, 0},
            {process.pidfd, POLLIN, 0},
            {-1, 0, 0},
            {-1, 0, 0},
            {process.oom ? process.oom->Fd() : -1, POLLIN, 0},
        };
        if (relay)
            relay->PollFds(fds + 2);
        int ready = ::poll(fds, 5, process.oom ? process.oom->PollTimeoutMs() : -1);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            ThrowErrno("poll");
        }
        if (process.oom && (ready == 0 || fds[4].revents))
            process.oom->Check(fds[4].revents != 0);
        // Signals first: a WINCH sent before input arrived reaches the pty before that input.
        if (fds[0].revents & POLLIN) {
            while (std::optional<int> sig = signals.Next()) {
                if (*sig == SIGWINCH) {
                    if (relay)
                        relay->OnWindowChange();
                    continue;
                }
                try {
                    SendSignal(process.pidfd, process.pid, *sig);
                } catch (const Error&) {
                    // It exited meanwhile: the pidfd reports that next.
                }
            }
        }
        if (relay)
            relay->OnPoll(fds + 2);
        if (fds[1].revents & POLLIN)
            break;
    }
    if (relay)
        relay->Drain();
    // An OOM kill of the init itself is recorded before it is reaped (its cgroup may be gone soon):
    // how it ended (WNOWAIT: still to be reaped) tells whether the OOM killer's SIGKILL could have.
    if (process.oom) {
        siginfo_t info{};
        int r;
        while ((r = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(process.pidfd), &info,
                             WEXITED | WNOWAIT)) < 0 &&
               errno == EINTR) {
        }
        process.oom->Check(false, true, r == 0 && info.si_code != CLD_EXITED && info.si_status == SIGKILL);
    }
    return ReapChild(process.pidfd, process.pid);
}

}  // namespace berth::manager
