#pragma once
// The signals a foreground berthctl passes on to the container (TERM, INT, HUP, QUIT, USR1, USR2;
// WINCH becomes a window size update of the container's terminal). Blocked from construction on,
// so none is lost between starting the container and forwarding; read through a signalfd.
#include <signal.h>

#include <optional>

#include "util/fd.hpp"

namespace berth::manager {

class ForwardedSignals {
public:
    ForwardedSignals();
    ForwardedSignals(const ForwardedSignals&) = delete;
    ForwardedSignals& operator=(const ForwardedSignals&) = delete;
    // Restores the previous signal mask.
    ~ForwardedSignals();

    int Fd() const { return fd_.Get(); }
    // The next pending signal, or nullopt when none is pending.
    std::optional<int> Next();

private:
    sigset_t previous_mask_;
    UniqueFd fd_;
};

}  // namespace berth::manager
