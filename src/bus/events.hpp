#pragma once
// Lifecycle events (org.berth1.Manager.ContainerEvent): what a change of a container's record
// means, in the order it happened. berthd emits them from the changes it applies to its model.
#include <systemd/sd-bus.h>

#include <string>
#include <vector>

#include "bus/engine.hpp"

namespace berth::bus {

// before null: the container is new to berthd; after null: it was removed. Events are "created",
// "started", "paused", "resumed", "exited", "oom" (the record's OOM kill count grew), "checkpointed",
// "restored", "removed".
std::vector<std::string> LifecycleEvents(const ContainerRecord* before, const ContainerRecord* after);

// Emits ContainerEvent(s name, s event, i exit_status, t usec) for each event; exit_status is the
// record's for "exited", else -1; usec is CLOCK_REALTIME now.
void EmitContainerEvents(sd_bus* bus, const std::string& name, const std::vector<std::string>& events,
                         int32_t exit_status);

}  // namespace berth::bus
