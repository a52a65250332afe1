#include "cgroup/machine_registration.hpp"

#include "cgroup/systemd_manager.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace berth::cgroup {
namespace {

// Errors meaning "no machined here" (not installed, masked, not activatable), not a refusal.
bool MachinedMissing(const BusError& error) {
    for (const char* name : {"org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
                             "org.freedesktop.systemd1.NoSuchUnit", "org.freedesktop.systemd1.UnitMasked"})
        if (error.HasName(name))
            return true;
    return error.Name().rfind("org.freedesktop.DBus.Error.Spawn.", 0) == 0;
}

}  // namespace

void RegisterMachine(const Placement& placement, const std::string& name, pid_t leader,
                     const std::string& root_directory) {
    if (placement.driver != "systemd" || placement.unit.empty())
        return;
    BusError error;
    int r;
    try {
        r = SystemdManager::Shared().CallService(
            "org.freedesktop.machine1", "/org/freedesktop/machine1", "org.freedesktop.machine1.Manager",
            "RegisterMachineWithNetwork", [&](sd_bus_message* m) {
                // name, id (none), service, class, leader, root directory, network interfaces (none)
                CheckNegErrno(sd_bus_message_append(m, "sayssusai", name.c_str(), 0, "berth", "container",
                                                    static_cast<uint32_t>(leader), root_directory.c_str(), 0),
                              "Failed to build the RegisterMachineWithNetwork call");
            },
            error);
    } catch (const Error& e) {
        LogWarning("Container " + name + " is not registered with systemd-machined: " + e.what());
        return;
    }
    if (r >= 0) {
        LogDebug("Registered container " + name + " with systemd-machined");
    } else if (MachinedMissing(error)) {
        LogDebug("systemd-machined is not available (" + error.Describe(r) + "): container " + name +
                 " is not registered, machinectl will not show it");
    } else {
        LogWarning("Failed to register container " + name + " with systemd-machined: " + error.Describe(r));
    }
}

}  // namespace berth::cgroup
