#pragma once
// A client of systemd's manager object (org.freedesktop.systemd1) over the process' one system
// bus connection: transient scopes, their jobs, properties, kill/stop, freeze, attach.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "util/sd_bus.hpp"
#include "cgroup/scope_properties.hpp"
#include "cgroup/systemd_bus.hpp"

namespace berth::cgroup {

class SystemdManager {
public:
    // The process' shared client of that manager, connected on first use (again after a fork).
    // Throws when its bus cannot be reached.
    static SystemdManager& Shared(SystemdBus which = SystemdBus::System);
    // True when systemd is PID 1 here and its manager answers on the system bus; for User, when the
    // user's manager answers on the user bus.
    static bool Reachable(SystemdBus which = SystemdBus::System);
    // Closes this process' shared connections, if it opened any (a later Shared() reconnects): for a
    // long-lived process that needs systemd no more (berthd's monitor while its container runs).
    static void DisconnectShared();

    SystemdManager(const SystemdManager&) = delete;
    SystemdManager& operator=(const SystemdManager&) = delete;

    // systemd's version number (asked for when connecting, so usually answered already).
    int Version();

    // StartTransientUnit(unit, "fail", properties) and waits for its job (bounded by timeout). A unit
    // of that name left in the failed state is reset and the start retried once. while_waiting, if
    // set, runs once right after the first request is sent, before waiting for systemd's answer.
    void StartTransientUnit(const std::string& unit, const std::vector<UnitProperty>& properties,
                            std::chrono::microseconds timeout, const std::function<void()>& while_waiting = {});
    // SetUnitProperties(unit, runtime=true, properties).
    void SetUnitProperties(const std::string& unit, const std::vector<UnitProperty>& properties);
    // KillUnit(unit, "all", signal); false when no such unit is loaded.
    bool KillUnit(const std::string& unit, int signal);
    // StopUnit(unit, "replace") and waits for its job; false when no such unit is loaded.
    bool StopUnit(const std::string& unit, std::chrono::microseconds timeout);
    // ResetFailedUnit(unit), errors ignored (the unit may be gone already).
    void ResetFailedUnit(const std::string& unit);
    // FreezeUnit / ThawUnit; throws with systemd's reason (e.g. not supported on cgroup v1).
    void FreezeUnit(const std::string& unit, bool freeze);
    // AttachProcessesToUnit(unit, "", [pid]).
    void AttachProcessesToUnit(const std::string& unit, pid_t pid);
    // A string property of the unit (interface e.g. "org.freedesktop.systemd1.Unit"); nullopt
    // when no such unit is loaded.
    std::optional<std::string> UnitStringProperty(const std::string& unit, const std::string& interface,
                                                  const std::string& property);
    // Calls a method of another service on the same connection (systemd-machined); append adds the
    // arguments to the call. Returns sd-bus's result (< 0 with error set on failure).
    int CallService(const char* service, const char* path, const char* interface, const char* method,
                    const std::function<void(sd_bus_message*)>& append, BusError& error);

private:
    explicit SystemdManager(SystemdBus which) : which_(which) {}
    // Opens the connection (once per process, again once it died) and asks for systemd's Version.
    // Caller holds mutex_.
    sd_bus* Bus();
    // Reads what the bus sent; forgets the connection if the bus closed it (a later Bus() reopens).
    void DropDeadConnection();
    // Forgets this process' connection and what was recorded on it.
    void Disconnect();
    // Subscribes to JobRemoved (once).
    void WatchJobs();
    // Drops the subscription and what it recorded.
    void UnwatchJobs();
    // Subscribed to JobRemoved for the life of a job-waiting method, however it ends. Create it
    // before sending the request that queues the job.
    struct JobWatch {
        explicit JobWatch(SystemdManager& m) : manager(m) { manager.WatchJobs(); }
        ~JobWatch() { manager.UnwatchJobs(); }
        JobWatch(const JobWatch&) = delete;
        JobWatch& operator=(const JobWatch&) = delete;
        SystemdManager& manager;
    };
    // Waits (processing the bus) until JobRemoved for job arrives; returns its result.
    std::string WaitForJob(const std::string& job, const std::string& unit, std::chrono::microseconds timeout);
    // One StartTransientUnit call; returns the job path, or nullopt if the unit exists (err set).
    std::optional<std::string> CallStartTransientUnit(const std::string& unit,
                                                      const std::vector<UnitProperty>& properties,
                                                      std::chrono::microseconds timeout,
                                                      const std::function<void()>& while_waiting, BusError& error,
                                                      int& r);
    static int OnJobRemoved(sd_bus_message* m, void* userdata, sd_bus_error* error);
    static int OnVersion(sd_bus_message* m, void* userdata, sd_bus_error* error);

    const SystemdBus which_;
    std::recursive_mutex mutex_;
    BusPtr bus_;
    SlotPtr job_removed_slot_;
    SlotPtr version_slot_;       // the Version query in flight
    std::string version_error_;  // why the Version query failed
    pid_t owner_pid_ = -1;  // the process that opened bus_ (sd-bus connections do not survive fork)
    int version_ = -1;
    std::map<std::string, std::string> finished_jobs_;  // job path -> result
};

// Appends one (sv) property to an open a(sv) container.
void AppendUnitProperty(sd_bus_message* m, const UnitProperty& property);

}  // namespace berth::cgroup
