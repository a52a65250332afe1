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
    // An init that ended before its start was seen (berthd last read it created, or creating
    // while the launch recorded its placement): it started, and exited once its status is known.
    const bool ran_unseen = (from == "created" || from == "creating") && to == "stopped";
    // The exit status recorded after berthd had already seen the init gone.
    const bool status_late = from == "stopped" && to == "stopped" && before->exit_status < 0 && after->exit_status >= 0;
    // In the order they happened: a start, then an OOM kill, then the exit it may have caused.
    if (from != to && Runs(to) && from == "checkpointed")
        events.push_back("restored");
    else if ((from != to && Runs(to) && !Runs(from)) || ran_unseen)
        events.push_back("started");
    if (after->oom_kills > (before ? before->oom_kills : 0))
        events.push_back("oom");
    if (status_late)
        events.push_back("exited");
    if (from == to)
        return events;
    if (to == "paused")
        events.push_back("paused");
    else if (to == "running" && from == "paused")
        events.push_back("resumed");
    else if (to == "stopped" && (Runs(from) || (ran_unseen && after->exit_status >= 0)))
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
