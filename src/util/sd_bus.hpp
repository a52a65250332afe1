#pragma once
// Owned sd-bus and sd-event objects (connection, message, slot, error, event loop, event source)
// so no early return leaks a reference.
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <memory>
#include <string>

namespace berth {

template <typename T, T* (*Unref)(T*)>
struct SdUnref {
    void operator()(T* p) const noexcept { Unref(p); }
};

using BusPtr = std::unique_ptr<sd_bus, SdUnref<sd_bus, sd_bus_flush_close_unref>>;
using MessagePtr = std::unique_ptr<sd_bus_message, SdUnref<sd_bus_message, sd_bus_message_unref>>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SdUnref<sd_bus_slot, sd_bus_slot_unref>>;
using EventPtr = std::unique_ptr<sd_event, SdUnref<sd_event, sd_event_unref>>;
using EventSourcePtr =
    std::unique_ptr<sd_event_source, SdUnref<sd_event_source, sd_event_source_disable_unref>>;

// Takes a new reference on a message (to reply later from the loop thread).
inline MessagePtr RefMessage(sd_bus_message* m) { return MessagePtr(sd_bus_message_ref(m)); }

// An sd_bus_error freed on scope exit.
class BusError {
public:
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&error_); }

    sd_bus_error* Get() { return &error_; }
    bool HasName(const char* name) const { return sd_bus_error_has_name(&error_, name) != 0; }
    std::string Name() const { return error_.name != nullptr ? error_.name : ""; }
    // The D-Bus error's message, else the text of `r` (a negative errno).
    std::string Describe(int r) const;

private:
    sd_bus_error error_{};  // SD_BUS_ERROR_NULL, without its compound literal (not C++)
};

// Throws Error("<context>: <bus error message>", errno) when r < 0.
void CheckBusCall(int r, const BusError& error, const std::string& context);

}  // namespace berth
