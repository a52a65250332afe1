#include "bus/events.hpp"

#include <chrono>
#include <cstring>

#include "bus/daemon.hpp"
#include "util/log.hpp"

namespace berth::bus {
namespace {

bool Runs(const std::string& state) { return state == "running" || state == "paused"; }

}  // namespace

std::vector<std::string> LifecycleEvents(const ContainerRecord* before, const ContainerRecord* after) {
    if (!after)
        return before ? std::vector<std::string>{"removed"} : std::vector<std::string>{};
    const std::string from = before ? before->state : "";
    const std::string& to = after->state;
    std::vector<std::string> events;
    if (!before)
        events.push_back("created");
    if (from == to)
        return events;
    if (Runs(to) && from == "checkpointed")
        events.push_back("restored");
    else if (Runs(to) && !Runs(from))
        events.push_back("started");
    if (to == "paused")
        events.push_back("paused");
    else if (to == "running" && from == "paused")
        events.push_back("resumed");
    else if (to == "stopped" && Runs(from))
        events.push_back("exited");
    else if (to == "checkpointed" && before)
        events.push_back("checkpointed");
    return events;
}

void EmitContainerEvents(sd_bus* bus, const std::string& name, const std::vector<std::string>& events,
                         int32_t exit_status) {
    const auto usec = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
    for (const std::string& event : events) {
        int r = sd_bus_emit_signal(bus, kManagerPath, kManagerInterface, "ContainerEvent", "ssit", name.c_str(),
                                   event.c_str(), event == "exited" ? exit_status : -1, usec);
        if (r < 0)
            LogWarning("Failed to emit the " + event + " event of container " + name + ": " + strerror(-r));
    }
}

}  // namespace berth::bus
