#pragma once
// Owned sd-event objects for the daemon's loop (sd-bus ones come from the cgroup layer's bus_util.hpp
// once it exists; until then they are here too).
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <memory>

namespace berth::bus {

template <typename T, T* (*Unref)(T*)>
struct SdUnref {
    void operator()(T* p) const noexcept { Unref(p); }
};

using EventPtr = std::unique_ptr<sd_event, SdUnref<sd_event, sd_event_unref>>;
using EventSourcePtr = std::unique_ptr<sd_event_source, SdUnref<sd_event_source, sd_event_source_disable_unref>>;
using BusPtr = std::unique_ptr<sd_bus, SdUnref<sd_bus, sd_bus_flush_close_unref>>;
using MessagePtr = std::unique_ptr<sd_bus_message, SdUnref<sd_bus_message, sd_bus_message_unref>>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SdUnref<sd_bus_slot, sd_bus_slot_unref>>;

// Takes a new reference on a message (to reply later from the loop thread).
inline MessagePtr RefMessage(sd_bus_message* m) { return MessagePtr(sd_bus_message_ref(m)); }

}  // namespace berth::bus
