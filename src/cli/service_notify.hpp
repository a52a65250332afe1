#pragma once
// berthctl as the main process of a Type=notify service (berth@.service): READY=1 once the
// container runs. Nothing happens outside a service (no NOTIFY_SOCKET).
#include <string>

namespace berth::cli {

void NotifyContainerStarted(const std::string& name);

}  // namespace berth::cli
