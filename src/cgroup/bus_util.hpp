#pragma once
// Owned sd-bus objects (connection, message, slot, error) so no early return leaks a reference.
#include <systemd/sd-bus.h>

#include <memory>
#include <string>

namespace berth::cgroup {

template <typename T, T* (*Unref)(T*)>
struct SdBusUnref {
    void operator()(T* p) const noexcept { Unref(p); }
};

using BusPtr = std::unique_ptr<sd_bus, SdBusUnref<sd_bus, sd_bus_flush_close_unref>>;
using MessagePtr = std::unique_ptr<sd_bus_message, SdBusUnref<sd_bus_message, sd_bus_message_unref>>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SdBusUnref<sd_bus_slot, sd_bus_slot_unref>>;

// An sd_bus_error freed on scope exit.
class BusError {
public:
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&error_); }

    sd_bus_error* Get() { return &error_; }
    bool IsSet() const { return sd_bus_error_is_set(&error_) != 0; }
    bool HasName(const char* name) const { return sd_bus_error_has_name(&error_, name) != 0; }
    std::string Name() const { return error_.name != nullptr ? error_.name : ""; }
    // The D-Bus error's message, else the text of `r` (a negative errno).
    std::string Describe(int r) const;

private:
    sd_bus_error error_ = SD_BUS_ERROR_NULL;
};

// Throws Error("<context>: <bus error message>", errno) when r < 0.
void CheckBusCall(int r, const BusError& error, const std::string& context);

}  // namespace berth::cgroup
