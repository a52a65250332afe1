#pragma once
// Networking inside a new network namespace: only the loopback device, brought up.
namespace berth::launch {

// Sets IFF_UP on "lo" of the caller's network namespace (ioctl, no netlink needed).
void BringUpLoopback();

}  // namespace berth::launch
