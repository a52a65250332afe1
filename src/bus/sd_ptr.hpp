#pragma once
// Owned sd-event objects for the daemon's loop; the sd-bus ones are the cgroup layer's (bus_util.hpp).
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <memory>

#include "cgroup/bus_util.hpp"

namespace berth::bus {

using cgroup::BusPtr;
using cgroup::MessagePtr;
using cgroup::SlotPtr;

template <typename T, T* (*Unref)(T*)>
struct SdEventUnref {
    void operator()(T* p) const noexcept { Unref(p); }
};

using EventPtr = std::unique_ptr<sd_event, SdEventUnref<sd_event, sd_event_unref>>;
using EventSourcePtr =
    std::unique_ptr<sd_event_source, SdEventUnref<sd_event_source, sd_event_source_disable_unref>>;

// Takes a new reference on a message (to reply later from the loop thread).
inline MessagePtr RefMessage(sd_bus_message* m) { return MessagePtr(sd_bus_message_ref(m)); }

}  // namespace berth::bus
