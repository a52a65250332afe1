#pragma once
// org.berth1's arguments and replies as the layers' types: what a client appends to a call and
// reads back from a reply (see org.berth1(5) for each signature).
#include <systemd/sd-bus.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "cgroup/driver.hpp"
#include "checkpoint/checkpoint.hpp"
#include "config/model.hpp"
#include "manager/state.hpp"

namespace berth::client {

// as
void AppendStrings(sd_bus_message* m, const std::vector<std::string>& strings);
// UpdateContainer's a{sv}: only the limits that are set.
void AppendResources(sd_bus_message* m, const config::Resources& resources);
// CheckpointContainer's a{sv}.
void AppendCheckpointOptions(sd_bus_message* m, const checkpoint::CheckpointOptions& options);
// RestoreContainer's a{sv}: Import and NetworkNamespace (berthctl sends no WorkPath: see restore.cpp).
void AppendRestoreOptions(sd_bus_message* m, const checkpoint::RestoreOptions& options);

// org.berth1.Container's properties (a GetAll reply) as the Manager's state; config and the
// leader's start time are not exported and stay empty.
manager::ContainerState StateFromProperties(sd_bus_message* m);
// GetContainerStats' a{sv}; keys this client does not know (a newer berthd) are skipped.
cgroup::Stats StatsFromReply(sd_bus_message* m);
// GetContainerProcesses' a(us): the pids.
std::vector<pid_t> PidsFromReply(sd_bus_message* m);
// ListContainers' a(ssso): the names.
std::vector<std::string> NamesFromListReply(sd_bus_message* m);
// Every container's state in a GetManagedObjects reply of /org/berth1 (a{oa{sa{sv}}}), by name.
std::vector<manager::ContainerState> StatesFromManagedObjects(sd_bus_message* m);
// The same from a ListContainerStates reply (a(ssussstsita{ss})), by name.
std::vector<manager::ContainerState> StatesFromStateList(sd_bus_message* m);

}  // namespace berth::client
