#pragma once
// The named D-Bus errors of org.berth1 (org.berth1.Error.*), and the mapping from what the layers
// below throw to them.
#include <systemd/sd-bus.h>

#include <exception>
#include <string>

#include "bus/engine.hpp"

namespace berth::bus {

const char* ApiErrorName(ApiErrorKind kind);

// A D-Bus error as plain strings, so it can cross from a worker thread to the loop thread.
struct BusErrorText {
    std::string name;
    std::string message;
};

// Classifies an exception: ApiError by its kind, config::ConfigError as InvalidConfig (with the
// file:line:key text), any other error as org.berth1.Error.Failed with its message.
BusErrorText DescribeException(std::exception_ptr error);

// Registers the org.berth1.Error.* names with their errno values, for clients and for sd-bus.
void RegisterErrorMap();

}  // namespace berth::bus
