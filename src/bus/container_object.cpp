// org.berth1.Container at /org/berth1/container/<escaped name>: properties read straight from the
// daemon's ContainerRecord; methods are the Manager's, bound to this container.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "bus/container_calls.hpp"
#include "bus/creds.hpp"
#include "bus/daemon.hpp"

namespace berth::bus {

namespace {

Daemon& DaemonOf(void* userdata) { return *static_cast<Daemon*>(userdata); }

const ContainerRecord* RecordAt(Daemon& daemon, const char* path, sd_bus_error* error) {
    auto name = ContainerNameFromPath(path);
    const ContainerRecord* record = name ? daemon.Find(*name) : nullptr;
    if (!record)
        sd_bus_error_setf(error, kErrorNoSuchContainer, "No container at %s", path);
    return record;
}

template <typename Get>
int ReplyProperty(sd_bus_message* reply, void* userdata, const char* path, sd_bus_error* error, const char* type,
                  Get get) {
    const ContainerRecord* record = RecordAt(DaemonOf(userdata), path, error);
    if (!record)
        return -ENOENT;
    return sd_bus_message_append(reply, type, get(*record));
}

#define BERTH_STRING_PROPERTY(fn, field)                                                                    \
    int fn(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply, void* userdata,     \
           sd_bus_error* error) {                                                                          \
        return ReplyProperty(reply, userdata, path, error, "s", [](const ContainerRecord& c) { return c.field.c_str(); }); \
    }

BERTH_STRING_PROPERTY(PropertyName, name)
BERTH_STRING_PROPERTY(PropertyId, id)
BERTH_STRING_PROPERTY(PropertyState, state)
BERTH_STRING_PROPERTY(PropertyUnit, unit)
BERTH_STRING_PROPERTY(PropertyRootfs, rootfs)
BERTH_STRING_PROPERTY(PropertyNetworkNamespace, network_namespace)
BERTH_STRING_PROPERTY(PropertyCgroupDriver, cgroup_driver)
#undef BERTH_STRING_PROPERTY

int PropertyLeader(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply, void* userdata,
                   sd_bus_error* error) {
    return ReplyProperty(reply, userdata, path, error, "u",
                         [](const ContainerRecord& c) { return static_cast<uint32_t>(std::max(c.leader, 0)); });
}

int PropertyCreatedTimestamp(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply,
                             void* userdata, sd_bus_error* error) {
    return ReplyProperty(reply, userdata, path, error, "t", [](const ContainerRecord& c) { return c.created_usec; });
}

int PropertyCreatedTimestampNSec(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply,
                                 void* userdata, sd_bus_error* error) {
    return ReplyProperty(reply, userdata, path, error, "t", [](const ContainerRecord& c) { return c.created_nsec; });
}

int PropertyControlGroups(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply, void* userdata,
                          sd_bus_error* error) {
    const ContainerRecord* record = RecordAt(DaemonOf(userdata), path, error);
    if (!record)
        return -ENOENT;
    int r = sd_bus_message_open_container(reply, 'a', "{ss}");
    for (const auto& [hierarchy, cgroup] : record->control_groups)
        if (r >= 0)
            r = sd_bus_message_append(reply, "{ss}", hierarchy.c_str(), cgroup.c_str());
    return r < 0 ? r : sd_bus_message_close_container(reply);
}

int PropertyExitStatus(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply, void* userdata,
                       sd_bus_error* error) {
    return ReplyProperty(reply, userdata, path, error, "i", [](const ContainerRecord& c) { return c.exit_status; });
}

int PropertyOOMKills(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply, void* userdata,
                     sd_bus_error* error) {
    return ReplyProperty(reply, userdata, path, error, "t", [](const ContainerRecord& c) { return c.oom_kills; });
}

// The container this call addresses, checked to exist, with the caller checked to be root.
int ContainerOfCall(sd_bus_message* m, void* userdata, sd_bus_error* error, std::string& name) {
    int r = RequireRootCaller(m, error);
    if (r < 0)
        return r;
    const ContainerRecord* record = RecordAt(DaemonOf(userdata), sd_bus_message_get_path(m), error);
    if (!record)
        return -ENOENT;
    name = record->name;
    return 0;
}

// Container.Xxx of a per-container operation: the name from the object path, the caller root.
template <ContainerCall serve>
int AtPath(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    std::string name;
    int r = ContainerOfCall(m, userdata, error, name);
    if (r < 0)
        return r;
    return serve(DaemonOf(userdata), m, name, error);
}

#define BERTH_CONTAINER_METHOD(member, in, in_names, out, out_names, serve) \
    SD_BUS_METHOD_WITH_NAMES(member, in, in_names, out, out_names, AtPath<serve>, SD_BUS_VTABLE_UNPRIVILEGED),

const sd_bus_vtable kContainerVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Name", "s", PropertyName, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Id", "s", PropertyId, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("State", "s", PropertyState, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Leader", "u", PropertyLeader, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Unit", "s", PropertyUnit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Rootfs", "s", PropertyRootfs, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("NetworkNamespace", "s", PropertyNetworkNamespace, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("CreatedTimestamp", "t", PropertyCreatedTimestamp, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("CreatedTimestampNSec", "t", PropertyCreatedTimestampNSec, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("CgroupDriver", "s", PropertyCgroupDriver, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("ControlGroups", "a{ss}", PropertyControlGroups, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("ExitStatus", "i", PropertyExitStatus, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("OOMKills", "t", PropertyOOMKills, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    BERTH_CONTAINER_CALLS(BERTH_CONTAINER_METHOD)
    SD_BUS_VTABLE_END,
};
#undef BERTH_CONTAINER_METHOD

int FindContainer(sd_bus*, const char* path, const char*, void* userdata, void** found, sd_bus_error*) {
    auto name = ContainerNameFromPath(path);
    if (!name || !DaemonOf(userdata).Find(*name))
        return 0;
    *found = userdata;
    return 1;
}

int EnumerateContainers(sd_bus*, const char*, void* userdata, char*** nodes, sd_bus_error*) {
    const auto& records = DaemonOf(userdata).Records();
    char** list = static_cast<char**>(calloc(records.size() + 1, sizeof(char*)));
    if (!list)
        return -ENOMEM;
    size_t i = 0;
    for (const auto& [name, record] : records)
        list[i++] = strdup(ContainerObjectPath(name).c_str());
    *nodes = list;
    return 0;
}

}  // namespace

void EmitContainerChanges(sd_bus* bus, const ContainerRecord& before, const ContainerRecord& after) {
    std::vector<const char*> changed;
    if (before.state != after.state)
        changed.push_back("State");
    if (before.leader != after.leader)
        changed.push_back("Leader");
    if (before.unit != after.unit)
        changed.push_back("Unit");
    if (before.exit_status != after.exit_status)
        changed.push_back("ExitStatus");
    if (before.oom_kills != after.oom_kills)
        changed.push_back("OOMKills");
    if (before.cgroup_driver != after.cgroup_driver)
        changed.push_back("CgroupDriver");
    if (before.control_groups != after.control_groups)
        changed.push_back("ControlGroups");
    if (changed.empty())
        return;
    changed.push_back(nullptr);
    sd_bus_emit_properties_changed_strv(bus, ContainerObjectPath(after.name).c_str(), kContainerInterface,
                                        const_cast<char**>(changed.data()));
}

void AddContainerObjects(Daemon& daemon, std::vector<SlotPtr>& slots) {
    sd_bus_slot* slot = nullptr;
    CheckNegErrno(sd_bus_add_fallback_vtable(daemon.Bus(), &slot, kContainerPathPrefix, kContainerInterface,
                                             kContainerVtable, FindContainer, &daemon),
                  "Failed to export org.berth1.Container");
    slots.emplace_back(slot);
    slot = nullptr;
    CheckNegErrno(sd_bus_add_node_enumerator(daemon.Bus(), &slot, kContainerPathPrefix, EnumerateContainers, &daemon),
                  "Failed to export the container object list");
    slots.emplace_back(slot);
    slot = nullptr;
    // GetManagedObjects: every container's properties in one call (berthctl list).
    CheckNegErrno(sd_bus_add_object_manager(daemon.Bus(), &slot, kManagerPath), "Failed to export the object manager");
    slots.emplace_back(slot);
}

}  // namespace berth::bus
