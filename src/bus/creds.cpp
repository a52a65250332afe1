#include "bus/creds.hpp"

#include <cerrno>
#include <memory>

#include "bus/wire.hpp"

namespace berth::bus {

int RequireRootCaller(sd_bus_message* m, sd_bus_error* error) {
    sd_bus_creds* raw = nullptr;
    int r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &raw);
    std::unique_ptr<sd_bus_creds, decltype(&sd_bus_creds_unref)> creds(raw, &sd_bus_creds_unref);
    uid_t euid = 0;
    if (r >= 0)
        r = sd_bus_creds_get_euid(creds.get(), &euid);
    if (r < 0)
        return sd_bus_error_setf(error, kErrorPermissionDenied,
                                 "Failed to query the caller's credentials: %s", strerror(-r));
    if (euid != 0)
        return sd_bus_error_setf(error, kErrorPermissionDenied,
                                 "Only root may change containers (caller uid %u)", static_cast<unsigned>(euid));
    return 0;
}

}  // namespace berth::bus
