#include "client/connection.hpp"

#include <poll.h>

#include <cstring>
#include <vector>

#include "bus/wire.hpp"
#include "manager/errors.hpp"
#include "util/error.hpp"

namespace berth::client {

namespace {

// True when org.berth1 has an owner, or the bus can start berthd for it.
bool DaemonAvailable(sd_bus* bus) {
    BusError error;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", error.Get(), &raw, "s", bus::kBusName);
    MessagePtr reply(raw);
    int has_owner = 0;
    if (r >= 0 && sd_bus_message_read(reply.get(), "b", &has_owner) >= 0 && has_owner)
        return true;
    raw = nullptr;
    r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                           "ListActivatableNames", error.Get(), &raw, "");
    MessagePtr names(raw);
    if (r < 0)
        return false;
    char** list = nullptr;
    if (sd_bus_message_read_strv(names.get(), &list) < 0)
        return false;
    bool found = false;
    for (char** n = list; n && *n; ++n) {
        found = found || strcmp(*n, bus::kBusName) == 0;
        free(*n);
    }
    free(list);
    return found;
}

}  // namespace

[[noreturn]] void ThrowCallError(const std::string& what, const sd_bus_error& error, int r) {
    std::string message = error.message ? error.message : std::string(what) + ": " + strerror(-r);
    std::string name = error.name ? error.name : "";
    if (name == bus::kErrorNoSuchContainer)
        throw manager::NoSuchContainer(message);
    if (name == bus::kErrorContainerExists)
        throw manager::ContainerExists(message);
    if (name == bus::kErrorInvalidState)
        throw manager::InvalidState(message);
    throw Error(message);
}

void CheckRead(int r, const char* method) {
    if (r < 0)
        ThrowErrno(-r, std::string("Failed to read berthd's reply to ") + method);
}

std::unique_ptr<Connection> Connection::OpenIfAvailable() {
    sd_bus* raw = nullptr;
    if (sd_bus_open_system(&raw) < 0)
        return nullptr;
    BusPtr bus(raw);
    if (!DaemonAvailable(bus.get()))
        return nullptr;
    return std::make_unique<Connection>(std::move(bus));
}

MessagePtr Connection::CallManager(const char* method, const std::function<void(sd_bus_message*)>& append,
                                   uint64_t timeout_usec) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus_.get(), &raw, bus::kBusName, bus::kManagerPath, bus::kManagerInterface,
                                           method);
    MessagePtr call(raw);
    if (r < 0)
        ThrowErrno(-r, std::string("Failed to build the ") + method + " call");
    append(call.get());
    BusError error;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(bus_.get(), call.get(), timeout_usec, error.Get(), &reply);
    if (r < 0)
        ThrowCallError(std::string("Failed to call berthd ") + method, *error.Get(), r);
    return MessagePtr(reply);
}

MessagePtr Connection::CallManagerWithName(const char* method, const std::string& name) {
    return CallManager(method, [&](sd_bus_message* m) { sd_bus_message_append(m, "s", name.c_str()); });
}

MessagePtr Connection::GetContainerProperties(const std::string& name) {
    MessagePtr reply = CallManagerWithName("GetContainer", name);
    const char* path = nullptr;
    sd_bus_message_read(reply.get(), "o", &path);
    std::string object = path ? path : "";
    BusError error;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus_.get(), bus::kBusName, object.c_str(), "org.freedesktop.DBus.Properties", "GetAll",
                               error.Get(), &raw, "s", bus::kContainerInterface);
    MessagePtr all(raw);
    if (r < 0)
        ThrowCallError("Failed to read container " + name, *error.Get(), r);
    return all;
}

MessagePtr Connection::GetManagedObjects() {
    BusError error;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus_.get(), bus::kBusName, bus::kManagerPath, "org.freedesktop.DBus.ObjectManager",
                               "GetManagedObjects", error.Get(), &raw, "");
    MessagePtr all(raw);
    if (r < 0)
        ThrowCallError("Failed to list containers", *error.Get(), r);
    return all;
}

MessagePtr Connection::ListContainerStates(bool with_control_groups) {
    BusError error;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus_.get(), bus::kBusName, bus::kManagerPath, bus::kManagerInterface,
                               "ListContainerStates", error.Get(), &raw, "b", static_cast<int>(with_control_groups));
    MessagePtr all(raw);
    if (r < 0 && sd_bus_error_has_name(error.Get(), SD_BUS_ERROR_UNKNOWN_METHOD))
        return nullptr;
    if (r < 0)
        ThrowCallError("Failed to list containers", *error.Get(), r);
    return all;
}

SlotPtr Connection::MatchManagerSignal(const char* member, sd_bus_message_handler_t handler, void* userdata) {
    sd_bus_slot* raw = nullptr;
    int r = sd_bus_match_signal(bus_.get(), &raw, bus::kBusName, bus::kManagerPath, bus::kManagerInterface, member,
                                handler, userdata);
    SlotPtr slot(raw);
    if (r < 0)
        ThrowErrno(-r, std::string("Failed to watch berthd's ") + member + " signal");
    return slot;
}

SlotPtr Connection::MatchContainerChanges(const std::string& name, sd_bus_message_handler_t handler, void* userdata) {
    sd_bus_slot* raw = nullptr;
    int r = sd_bus_match_signal(bus_.get(), &raw, bus::kBusName, bus::ContainerObjectPath(name).c_str(),
                                "org.freedesktop.DBus.Properties", "PropertiesChanged", handler, userdata);
    SlotPtr slot(raw);
    if (r < 0)
        ThrowErrno(-r, "Failed to watch container " + name + " on the bus");
    return slot;
}

bool Connection::WaitForBusOrSignal(manager::ForwardedSignals& signals, const std::function<void(int)>& forward) {
    return WaitForBusSignalOrFds(signals, [&](int sig) {
        if (sig != SIGWINCH)
            forward(sig);
    }, {});
}

bool Connection::WaitForBusSignalOrFds(manager::ForwardedSignals& signals, const std::function<void(int)>& on_signal,
                                       std::span<pollfd> extra) {
    for (pollfd& entry : extra)
        entry.revents = 0;
    int r = sd_bus_process(bus_.get(), nullptr);
    if (r < 0)
        ThrowErrno(-r, "Failed to read from the bus");
    if (r > 0)
        return false;
    std::vector<pollfd> fds = {{sd_bus_get_fd(bus_.get()), static_cast<short>(sd_bus_get_events(bus_.get())), 0},
                               {signals.Fd(), POLLIN, 0}};
    fds.insert(fds.end(), extra.begin(), extra.end());
    int n = poll(fds.data(), fds.size(), 1000);
    if (n < 0 && errno != EINTR)
        ThrowErrno("Failed to wait for berthd");
    if (n > 0 && fds[1].revents)
        while (auto sig = signals.Next())
            on_signal(*sig);
    for (size_t i = 0; n > 0 && i < extra.size(); ++i)
        extra[i].revents = fds[2 + i].revents;
    return n == 0;
}

}  // namespace berth::client
