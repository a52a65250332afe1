#pragma once

namespace berth::cgroup {

// Which systemd: PID 1 on the system bus, or the calling user's own manager (systemd --user,
// user@UID.service) on the user bus ($XDG_RUNTIME_DIR/bus), as rootless podman uses it.
enum class SystemdBus { System, User };

}  // namespace berth::cgroup
