#pragma once
// The loopback device of a network namespace Berth created: the only networking Berth sets up.
#include <string>

namespace berth {

// Sets IFF_UP on "lo" of the calling thread's network namespace (ioctl, no netlink needed).
void BringUpLoopback();

// The same in the network namespace at `netns_path` (e.g. /proc/PID/ns/net), from a short-lived
// thread that joins it, so the caller's own namespace never changes.
void BringUpLoopbackIn(const std::string& netns_path);

}  // namespace berth
