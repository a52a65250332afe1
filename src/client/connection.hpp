#pragma once
// A connection to berthd (org.berth1 on the system bus, see org.berth1(5)): calls on the Manager,
// property reads, signal matches, and berthd's named errors rethrown as the Manager's error kinds
// (manager::NoSuchContainer, ContainerExists, InvalidState; any other as Error).
#include <poll.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "manager/forwarded_signals.hpp"
#include "util/sd_bus.hpp"

namespace berth::client {

[[noreturn]] void ThrowCallError(const std::string& what, const sd_bus_error& error, int r);
// Throws when reading berthd's reply to method failed (r < 0).
void CheckRead(int r, const char* method);

class Connection {
public:
    static constexpr uint64_t kCallTimeoutUsec = 120ull * 1000 * 1000;

    explicit Connection(BusPtr bus) : bus_(std::move(bus)) {}
    // nullptr when the system bus cannot be opened, or org.berth1 has no owner and cannot be activated.
    static std::unique_ptr<Connection> OpenIfAvailable();

    sd_bus* Bus() const { return bus_.get(); }

    // org.berth1.Manager.<method>, append adding the arguments to the call; timeout_usec bounds
    // the wait for the reply (UINT64_MAX: none).
    MessagePtr CallManager(const char* method, const std::function<void(sd_bus_message*)>& append,
                           uint64_t timeout_usec = kCallTimeoutUsec);
    MessagePtr CallManagerWithName(const char* method, const std::string& name);
    // org.freedesktop.DBus.Properties.GetAll of org.berth1.Container at container NAME's object.
    MessagePtr GetContainerProperties(const std::string& name);
    // org.freedesktop.DBus.ObjectManager.GetManagedObjects of /org/berth1: every container's
    // properties in one call, answered from berthd's memory.
    MessagePtr GetManagedObjects();
    // org.berth1.Manager.ListContainerStates: every container's state as one compact array, from
    // berthd's memory, their control groups only if asked for; nullptr from a berthd older than
    // the method.
    MessagePtr ListContainerStates(bool with_control_groups);

    // A match on org.berth1.Manager's signal `member`, live while the slot is.
    SlotPtr MatchManagerSignal(const char* member, sd_bus_message_handler_t handler, void* userdata);
    // A match on PropertiesChanged of container NAME's object.
    SlotPtr MatchContainerChanges(const std::string& name, sd_bus_message_handler_t handler, void* userdata);

    // Dispatches what the bus has (match callbacks run), hands each forwarded signal to forward
    // (WINCH has no terminal to go to here), and waits for more; true after a quiet second.
    bool WaitForBusOrSignal(manager::ForwardedSignals& signals, const std::function<void(int)>& forward);
    // The same with every signal (WINCH too) handed to on_signal before extra's revents are set:
    // the caller's own fds (a terminal relay's) polled with the bus.
    bool WaitForBusSignalOrFds(manager::ForwardedSignals& signals, const std::function<void(int)>& on_signal,
                               std::span<pollfd> extra);

private:
    BusPtr bus_;
};

}  // namespace berth::client
