#include "cli/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstring>

#include "util/log.hpp"

namespace berth::cli {

void NotifyContainerStarted(const std::string& name) {
    const std::string message = "READY=1\nSTATUS=Container " + name + " started";
    int r = sd_notify(0, message.c_str());
    if (r < 0)
        LogWarning("Failed to tell the service manager that container " + name + " runs: " + strerror(-r));
    else if (r > 0)
        LogDebug("told the service manager that container " + name + " runs");
}

}  // namespace berth::cli
