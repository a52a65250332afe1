#pragma once
// The container process' five capability sets (libcap), as the configuration typed them.
#include "config/model.hpp"

namespace berth::launch {

// Drops every capability not in the bounding set (needs CAP_SETPCAP: call before switching user).
void DropBoundingSet(const config::Capabilities& caps);
// Sets effective, permitted, inheritable, then raises the ambient ones (call after switching user).
void ApplyCapabilitySets(const config::Capabilities& caps);

}  // namespace berth::launch
