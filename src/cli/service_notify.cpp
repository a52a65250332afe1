#include "cli/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstring>

#include "util/log.hpp"

namespace berth::cli {
namespace {
bool ready_from_container = false;
}  // namespace

void SetReadyFromContainer() { ready_from_container = true; }

void NotifyContainerStarted(const std::string& name) {
    const std::string message = std::string(ready_from_container ? "" : "READY=1\n") + "STATUS=Container " + name +
                                " started";
    int r = sd_notify(0, message.c_str());
    if (r < 0)
        LogWarning("Failed to tell the service manager that container " + name + " runs: " + strerror(-r));
    else if (r > 0)
        LogDebug("told the service manager that container " + name + " runs");
}

}  // namespace berth::cli
