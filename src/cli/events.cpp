// berthctl events [--json] [NAME]: berthd's lifecycle events (org.berth1.Manager.ContainerEvent)
// as they happen, one line each, until interrupted.
#include <iostream>

#include "bus/wire.hpp"
#include "util/sd_bus.hpp"
#include "cli/arg_cursor.hpp"
#include "cli/verb.hpp"
#include "manager/container_id.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/time_format.hpp"

namespace berth::cli {
namespace {

struct EventsOptions {
    bool json = false;
    std::optional<std::string> name;
};

int OnEvent(sd_bus_message* m, void* userdata, sd_bus_error*) {
    const auto* options = static_cast<const EventsOptions*>(userdata);
    const char* name = nullptr;
    const char* event = nullptr;
    int32_t exit_status = -1;
    uint64_t usec = 0;
    if (sd_bus_message_read(m, "ssit", &name, &event, &exit_status, &usec) < 0)
        return 0;
    std::string when = FormatRfc3339(std::chrono::system_clock::time_point(std::chrono::microseconds(usec)));
    const bool exited = std::string(event) == "exited";
    // Names and events are [A-Za-z0-9_.-]: nothing to escape in JSON.
    if (options->json)
        std::cout << "{\"time\":\"" << when << "\",\"name\":\"" << name << "\",\"event\":\"" << event << "\""
                  << (exited ? ",\"exit_code\":" + std::to_string(exit_status) : "") << "}" << std::endl;
    else
        std::cout << when << " " << name << " " << event << (exited ? " " + std::to_string(exit_status) : "")
                  << std::endl;
    return 0;
}

int EventsMain(const GlobalOptions&, const std::vector<std::string>& args) {
    EventsOptions options;
    ArgCursor cursor(args);
    while (!cursor.Done()) {
        if (cursor.TakeFlag("--json"))
            options.json = true;
        else
            cursor.TakeName(options.name);
    }
    std::string match = std::string("type='signal',sender='") + bus::kBusName + "',path='" + bus::kManagerPath +
                        "',interface='" + bus::kManagerInterface + "',member='ContainerEvent'";
    if (options.name)
        match += ",arg0='" + manager::ContainerId(*options.name).str() + "'";
    sd_bus* raw = nullptr;
    CheckNegErrno(sd_bus_open_system(&raw), "Failed to connect to the system bus");
    BusPtr bus(raw);
    sd_bus_slot* slot = nullptr;
    CheckNegErrno(sd_bus_add_match(bus.get(), &slot, match.c_str(), OnEvent, &options),
                  "Failed to subscribe to berthd's events");
    SlotPtr subscription(slot);
    LogDebug("listening for berthd's events");
    for (;;) {
        int r = sd_bus_process(bus.get(), nullptr);
        CheckNegErrno(r, "Failed to read berthd's events");
        if (r > 0)
            continue;
        r = sd_bus_wait(bus.get(), UINT64_MAX);
        if (r < 0 && r != -EINTR)
            CheckNegErrno(r, "Failed to wait for berthd's events");
    }
}

}  // namespace

BERTH_VERB("events", "events [--json] [NAME]", "stream berthd's lifecycle events of containers", EventsMain);

}  // namespace berth::cli
