#pragma once
// Who is calling: berthd checks the sender itself, so a wrong policy file alone opens nothing.
#include <systemd/sd-bus.h>

namespace berth::bus {

// Returns 0 when the sender of m has effective uid 0; else sets org.berth1.Error.PermissionDenied
// in error and returns the negative errno to hand back to sd-bus.
int RequireRootCaller(sd_bus_message* m, sd_bus_error* error);

}  // namespace berth::bus
