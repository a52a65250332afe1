#pragma once
// What the runtime verbs share: the manager over --root, the OCI extras kept beside Berth's state
// (STATE/ID/oci.json) and the OCI state document.
#include <string>

#include <nlohmann/json.hpp>

#include "manager/manager.hpp"
#include "oci/spec.hpp"
#include "runtime/verb.hpp"

namespace berth::runtime {

// Berth's manager over --root: the systemd driver with --systemd-cgroup, else cgroupfs (as runc).
manager::Manager MakeManager(const GlobalOptions& global);

// ROOT/ID/oci.json: written by create, read by every later verb. A container made by berthctl
// has none: its extras are empty.
void SaveExtras(const GlobalOptions& global, const manager::ContainerId& id, const oci::OciExtras& extras);
oci::OciExtras LoadExtras(const GlobalOptions& global, const manager::ContainerId& id);

// The OCI state (runtime-spec "State") plus runc's rootfs, created and owner.
nlohmann::json OciState(const manager::ContainerState& state, const oci::OciExtras& extras);
// "created", "running", "paused" or "stopped" (a checkpointed container is stopped).
const char* OciStatus(manager::Status status);

}  // namespace berth::runtime
