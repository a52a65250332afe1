#include "util/sd_bus.hpp"

#include <cstring>

#include "util/error.hpp"

namespace berth {

std::string BusError::Describe(int r) const {
    if (error_.message != nullptr && *error_.message != '\0')
        return error_.message;
    if (error_.name != nullptr)
        return error_.name;
    return std::strerror(r < 0 ? -r : r);
}

void CheckBusCall(int r, const BusError& error, const std::string& context) {
    if (r >= 0)
        return;
    // Error's what() appends strerror; with a D-Bus message that would say the same thing twice.
    throw Error(context + ": " + error.Describe(r));
}

}  // namespace berth
