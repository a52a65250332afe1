#pragma once
// berthctl as the main process of a Type=notify service (berth@.service): READY=1 once the
// container runs. Nothing happens outside a service (no NOTIFY_SOCKET).
#include <string>

namespace berth::cli {

// READY=1 (unless SetReadyFromContainer was called: then only the status) and STATUS= to the service manager.
void NotifyContainerStarted(const std::string& name);
// notify = "container": the container's own READY=1 counts, berthctl sends none.
void SetReadyFromContainer();

}  // namespace berth::cli
