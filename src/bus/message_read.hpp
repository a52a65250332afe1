#pragma once
// Reading the composite arguments of org.berth1 calls (a{sv}, as) into plain C++ values.
#include <systemd/sd-bus.h>

#include <string>
#include <vector>

#include "bus/engine.hpp"

namespace berth::bus {

// Reads an "as"; returns a negative errno like sd_bus_message_read.
int ReadStrings(sd_bus_message* m, std::vector<std::string>& out);
// Reads an "a{sv}" whose values are b, i, u, x, t, s or as; another type sets InvalidArgs in error.
int ReadOptions(sd_bus_message* m, Options& out, sd_bus_error* error);

}  // namespace berth::bus
