// The Backend through berthd: org.berth1 on the system bus (see org.berth1(5)).
#include <systemd/sd-bus.h>

#include <cstring>
#include <memory>

#include "cgroup/bus_util.hpp"
#include "cli/backend.hpp"
#include "manager/errors.hpp"

namespace berth::cli {
namespace {

constexpr const char* kDestination = "org.berth1";
constexpr const char* kManagerPath = "/org/berth1";
constexpr const char* kManagerInterface = "org.berth1.Manager";
constexpr const char* kContainerInterface = "org.berth1.Container";
constexpr uint64_t kCallTimeoutUsec = 120ull * 1000 * 1000;

using cgroup::BusError;
using cgroup::BusPtr;
using cgroup::MessagePtr;

// Rethrows berthd's named error as the Manager's error kind, so verbs handle both modes alike.
[[noreturn]] void ThrowCallError(const std::string& what, const sd_bus_error& error, int r) {
    std::string message = error.message ? error.message : std::string(what) + ": " + strerror(-r);
    std::string name = error.name ? error.name : "";
    if (name == "org.berth1.Error.NoSuchContainer")
        throw manager::NoSuchContainer(message);
    if (name == "org.berth1.Error.ContainerExists")
        throw manager::ContainerExists(message);
    if (name == "org.berth1.Error.InvalidState")
        throw manager::InvalidState(message);
    throw Error(message);
}

void AppendResources(sd_bus_message* m, const config::Resources& r) {
    sd_bus_message_open_container(m, 'a', "{sv}");
    auto add_t = [m](const char* key, uint64_t value) { sd_bus_message_append(m, "{sv}", key, "t", value); };
    if (r.memory_max)
        add_t("MemoryMax", r.memory_max->bytes);
    if (r.memory_high)
        add_t("MemoryHigh", r.memory_high->bytes);
    if (r.memory_swap_max)
        add_t("MemorySwapMax", r.memory_swap_max->bytes);
    if (r.cpu_weight)
        add_t("CPUWeight", *r.cpu_weight);
    if (r.io_weight)
        add_t("IOWeight", *r.io_weight);
    if (r.tasks_max)
        add_t("TasksMax", *r.tasks_max);
    if (r.cpu_quota)
        sd_bus_message_append(m, "{sv}", "CPUQuota", "u", r.cpu_quota->percent);
    if (r.allowed_cpus)
        sd_bus_message_append(m, "{sv}", "AllowedCPUs", "s", r.allowed_cpus->c_str());
    sd_bus_message_close_container(m);
}

class DaemonBackend : public Backend {
public:
    explicit DaemonBackend(BusPtr bus) : bus_(std::move(bus)) {}
    std::string Kind() const override { return "berthd"; }

    std::vector<ContainerSummary> List() override {
        MessagePtr reply = Call("ListContainers", [](sd_bus_message*) {});
        std::vector<std::string> names;
        sd_bus_message_enter_container(reply.get(), 'a', "(ssso)");
        const char *name, *id, *state, *path;
        while (sd_bus_message_read(reply.get(), "(ssso)", &name, &id, &state, &path) > 0)
            names.emplace_back(name);
        std::vector<ContainerSummary> all;
        for (const auto& n : names) {
            try {
                all.push_back(Get(n));
            } catch (const manager::NoSuchContainer&) {
                // Removed between the list and the look-up.
            }
        }
        return all;
    }

    ContainerSummary Get(const std::string& name) override {
        MessagePtr reply = Call("GetContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "s", name.c_str()); });
        const char* path = nullptr;
        sd_bus_message_read(reply.get(), "o", &path);
        std::string object = path ? path : "";
        BusError error;
        sd_bus_message* raw = nullptr;
        int r = sd_bus_call_method(bus_.get(), kDestination, object.c_str(), "org.freedesktop.DBus.Properties", "GetAll",
                                   error.Get(), &raw, "s", kContainerInterface);
        MessagePtr all(raw);
        if (r < 0)
            ThrowCallError("Failed to read container " + name, *error.Get(), r);
        ContainerSummary summary;
        sd_bus_message_enter_container(all.get(), 'a', "{sv}");
        while (sd_bus_message_enter_container(all.get(), 'e', "sv") > 0) {
            const char* key = nullptr;
            sd_bus_message_read(all.get(), "s", &key);
            const char* type = nullptr;
            sd_bus_message_peek_type(all.get(), nullptr, &type);
            sd_bus_message_enter_container(all.get(), 'v', type);
            std::string k = key ? key : "";
            if (strcmp(type, "s") == 0) {
                const char* s = nullptr;
                sd_bus_message_read(all.get(), "s", &s);
                std::string v = s ? s : "";
                if (k == "Name")
                    summary.name = v;
                else if (k == "State")
                    summary.state = v;
                else if (k == "Unit")
                    summary.unit = v;
                else if (k == "Rootfs")
                    summary.rootfs = v;
            } else if (strcmp(type, "u") == 0) {
                uint32_t u = 0;
                sd_bus_message_read(all.get(), "u", &u);
                if (k == "Leader")
                    summary.leader = static_cast<pid_t>(u);
            } else if (strcmp(type, "t") == 0) {
                uint64_t t = 0;
                sd_bus_message_read(all.get(), "t", &t);
                if (k == "CreatedTimestamp")
                    summary.created_usec = t;
            } else if (strcmp(type, "i") == 0) {
                int32_t i = 0;
                sd_bus_message_read(all.get(), "i", &i);
                if (k == "ExitStatus")
                    summary.exit_status = i;
            } else {
                sd_bus_message_skip(all.get(), type);
            }
            sd_bus_message_exit_container(all.get());
            sd_bus_message_exit_container(all.get());
        }
        return summary;
    }

    void Create(const std::string& name) override {
        Call("CreateContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "ssa{sv}", name.c_str(), "", 0); });
    }
    void Start(const std::string& name) override { CallWithName("StartContainer", name); }
    void Stop(const std::string& name, std::chrono::microseconds timeout) override {
        Call("StopContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "st", name.c_str(), static_cast<uint64_t>(timeout.count()));
        });
    }
    void Kill(const std::string& name, int signal) override {
        Call("KillContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "si", name.c_str(), signal); });
    }
    void Remove(const std::string& name, bool force) override {
        Call("RemoveContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "sb", name.c_str(), force ? 1 : 0); });
    }
    void Pause(const std::string& name) override { CallWithName("PauseContainer", name); }
    void Resume(const std::string& name) override { CallWithName("ResumeContainer", name); }
    void Update(const std::string& name, const config::Resources& changes) override {
        Call("UpdateContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "s", name.c_str());
            AppendResources(m, changes);
        });
    }

private:
    template <typename Append>
    MessagePtr Call(const char* method, Append append) {
        sd_bus_message* raw = nullptr;
        int r = sd_bus_message_new_method_call(bus_.get(), &raw, kDestination, kManagerPath, kManagerInterface, method);
        MessagePtr call(raw);
        if (r < 0)
            ThrowErrno(-r, std::string("Failed to build the ") + method + " call");
        append(call.get());
        BusError error;
        sd_bus_message* reply = nullptr;
        r = sd_bus_call(bus_.get(), call.get(), kCallTimeoutUsec, error.Get(), &reply);
        if (r < 0)
            ThrowCallError(std::string("Failed to call berthd ") + method, *error.Get(), r);
        return MessagePtr(reply);
    }
    void CallWithName(const char* method, const std::string& name) {
        Call(method, [&](sd_bus_message* m) { sd_bus_message_append(m, "s", name.c_str()); });
    }

    BusPtr bus_;
};

// True when org.berth1 has an owner, or the bus can start berthd for it.
bool DaemonAvailable(sd_bus* bus) {
    BusError error;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", error.Get(), &raw, "s", kDestination);
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
        found = found || strcmp(*n, kDestination) == 0;
        free(*n);
    }
    free(list);
    return found;
}

}  // namespace

std::unique_ptr<Backend> MakeDaemonBackend() {
    sd_bus* raw = nullptr;
    if (sd_bus_open_system(&raw) < 0)
        return nullptr;
    BusPtr bus(raw);
    if (!DaemonAvailable(bus.get()))
        return nullptr;
    return std::make_unique<DaemonBackend>(std::move(bus));
}

}  // namespace berth::cli
