#include "client/messages.hpp"

#include <algorithm>

#include <chrono>
#include <map>

#include "bus/resource_options.hpp"
#include "bus/wire.hpp"
#include "client/connection.hpp"
#include "util/time_format.hpp"

namespace berth::client {

namespace {

std::string ReadString(sd_bus_message* m) {
    const char* s = nullptr;
    CheckRead(sd_bus_message_read(m, "s", &s), "GetAll");
    return s ? s : "";
}

}  // namespace

void AppendStrings(sd_bus_message* m, const std::vector<std::string>& strings) {
    sd_bus_message_open_container(m, 'a', "s");
    for (const auto& s : strings)
        sd_bus_message_append(m, "s", s.c_str());
    sd_bus_message_close_container(m);
}

void AppendResources(sd_bus_message* m, const config::Resources& r) {
    sd_bus_message_open_container(m, 'a', "{sv}");
    for (const bus::ResourceOption& option : bus::ResourceOptions()) {
        std::optional<bus::ResourceOptionValue> value = option.get(r);
        if (!value)
            continue;
        if (option.type == 's')
            sd_bus_message_append(m, "{sv}", option.name, "s", std::get<std::string>(*value).c_str());
        else if (option.type == 'u')
            sd_bus_message_append(m, "{sv}", option.name, "u", static_cast<uint32_t>(std::get<uint64_t>(*value)));
        else
            sd_bus_message_append(m, "{sv}", option.name, "t", std::get<uint64_t>(*value));
    }
    sd_bus_message_close_container(m);
}

void AppendCheckpointOptions(sd_bus_message* m, const checkpoint::CheckpointOptions& options) {
    sd_bus_message_open_container(m, 'a', "{sv}");
    auto flag = [m](const char* key, bool value) {
        if (value)
            sd_bus_message_append(m, "{sv}", key, "b", 1);
    };
    flag("LeaveRunning", options.leave_running);
    flag("PreDump", options.pre_dump);
    if (!options.parent_dir.empty())
        sd_bus_message_append(m, "{sv}", "ParentPath", "s", options.parent_dir.c_str());
    flag("TcpEstablished", options.flags.tcp_established);
    flag("ExtUnixSk", options.flags.ext_unix_sk);
    flag("ShellJob", options.flags.shell_job);
    flag("FileLocks", options.flags.file_locks);
    if (!options.manage_cgroups_mode.empty())
        sd_bus_message_append(m, "{sv}", "ManageCgroupsMode", "s", options.manage_cgroups_mode.c_str());
    if (!options.work_dir.empty())
        sd_bus_message_append(m, "{sv}", "WorkPath", "s", options.work_dir.c_str());
    if (!options.export_path.empty())
        sd_bus_message_append(m, "{sv}", "Export", "s", options.export_path.c_str());
    if (!options.page_server.empty())
        sd_bus_message_append(m, "{sv}", "PageServer", "s", options.page_server.c_str());
    sd_bus_message_close_container(m);
}

void AppendRestoreOptions(sd_bus_message* m, const checkpoint::RestoreOptions& options) {
    sd_bus_message_open_container(m, 'a', "{sv}");
    if (!options.import_path.empty())
        sd_bus_message_append(m, "{sv}", "Import", "s", options.import_path.c_str());
    if (!options.netns_path.empty())
        sd_bus_message_append(m, "{sv}", "NetworkNamespace", "s", options.netns_path.c_str());
    sd_bus_message_close_container(m);
}

manager::ContainerState StateFromProperties(sd_bus_message* m) {
    manager::ContainerState state;
    CheckRead(sd_bus_message_enter_container(m, 'a', "{sv}"), "GetAll");
    while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
        std::string key = ReadString(m);
        const char* type = nullptr;
        CheckRead(sd_bus_message_peek_type(m, nullptr, &type), "GetAll");
        std::string contents = type ? type : "";
        CheckRead(sd_bus_message_enter_container(m, 'v', contents.c_str()), "GetAll");
        if (contents == "s") {
            std::string v = ReadString(m);
            if (key == "Name")
                state.name = v;
            else if (key == "State")
                state.status = manager::StatusFromName(v).value_or(manager::Status::Stopped);
            else if (key == "Unit")
                state.placement.unit = v;
            else if (key == "Rootfs")
                state.rootfs = v;
            else if (key == "NetworkNamespace" && !v.empty())
                state.netns_path = v;
            else if (key == "CgroupDriver")
                state.placement.driver = v;
        } else if (contents == "u" && key == "Leader") {
            uint32_t u = 0;
            CheckRead(sd_bus_message_read(m, "u", &u), "GetAll");
            state.pid = static_cast<pid_t>(u);
        } else if (contents == "t" && key == "CreatedTimestampNSec") {
            uint64_t t = 0;
            CheckRead(sd_bus_message_read(m, "t", &t), "GetAll");
            state.created = FormatRfc3339(std::chrono::system_clock::time_point(
                std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(t))));
        } else if (contents == "i" && key == "ExitStatus") {
            int32_t i = 0;
            CheckRead(sd_bus_message_read(m, "i", &i), "GetAll");
            if (i >= 0)
                state.exit_code = i;
        } else if (contents == "t" && key == "OOMKills") {
            CheckRead(sd_bus_message_read(m, "t", &state.oom_kills), "GetAll");
        } else if (contents == "a{ss}" && key == "ControlGroups") {
            CheckRead(sd_bus_message_enter_container(m, 'a', "{ss}"), "GetAll");
            const char *hierarchy = nullptr, *path = nullptr;
            while (sd_bus_message_read(m, "{ss}", &hierarchy, &path) > 0)
                state.placement.paths[hierarchy] = path;
            CheckRead(sd_bus_message_exit_container(m), "GetAll");
        } else {
            CheckRead(sd_bus_message_skip(m, contents.c_str()), "GetAll");
        }
        CheckRead(sd_bus_message_exit_container(m), "GetAll");
        CheckRead(sd_bus_message_exit_container(m), "GetAll");
    }
    return state;
}

std::vector<manager::ContainerState> StatesFromManagedObjects(sd_bus_message* m) {
    std::vector<manager::ContainerState> states;
    CheckRead(sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}"), "GetManagedObjects");
    int r;
    while ((r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
        const char* path = nullptr;
        CheckRead(sd_bus_message_read(m, "o", &path), "GetManagedObjects");
        CheckRead(sd_bus_message_enter_container(m, 'a', "{sa{sv}}"), "GetManagedObjects");
        while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
            const char* interface = nullptr;
            CheckRead(sd_bus_message_read(m, "s", &interface), "GetManagedObjects");
            if (std::string(interface) == bus::kContainerInterface) {
                states.push_back(StateFromProperties(m));
                CheckRead(sd_bus_message_exit_container(m), "GetManagedObjects");
            } else {
                CheckRead(sd_bus_message_skip(m, "a{sv}"), "GetManagedObjects");
            }
            CheckRead(sd_bus_message_exit_container(m), "GetManagedObjects");
        }
        CheckRead(r, "GetManagedObjects");
        CheckRead(sd_bus_message_exit_container(m), "GetManagedObjects");
        CheckRead(sd_bus_message_exit_container(m), "GetManagedObjects");
    }
    CheckRead(r, "GetManagedObjects");
    std::sort(states.begin(), states.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return states;
}

std::vector<manager::ContainerState> StatesFromStateList(sd_bus_message* m) {
    std::vector<manager::ContainerState> states;
    CheckRead(sd_bus_message_enter_container(m, 'a', bus::kContainerStateElement), "ListContainerStates");
    int r;
    while ((r = sd_bus_message_enter_container(m, 'r', bus::kContainerStateFields)) > 0) {
        const char *name, *status, *unit, *rootfs, *netns, *driver;
        uint32_t leader = 0;
        uint64_t created_nsec = 0, oom_kills = 0;
        int32_t exit_status = -1;
        CheckRead(sd_bus_message_read(m, "ssussstsit", &name, &status, &leader, &unit, &rootfs, &netns, &created_nsec,
                                      &driver, &exit_status, &oom_kills),
                  "ListContainerStates");
        manager::ContainerState& state = states.emplace_back();
        state.name = name;
        state.status = manager::StatusFromName(status).value_or(manager::Status::Stopped);
        state.pid = static_cast<pid_t>(leader);
        state.placement.unit = unit;
        state.rootfs = rootfs;
        if (*netns)
            state.netns_path = netns;
        state.created = FormatRfc3339(std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(created_nsec))));
        state.placement.driver = driver;
        if (exit_status >= 0)
            state.exit_code = exit_status;
        state.oom_kills = oom_kills;
        CheckRead(sd_bus_message_enter_container(m, 'a', "{ss}"), "ListContainerStates");
        const char *hierarchy = nullptr, *path = nullptr;
        while ((r = sd_bus_message_read(m, "{ss}", &hierarchy, &path)) > 0)
            state.placement.paths.emplace(hierarchy, path);
        CheckRead(r, "ListContainerStates");
        CheckRead(sd_bus_message_exit_container(m), "ListContainerStates");
        CheckRead(sd_bus_message_exit_container(m), "ListContainerStates");
    }
    CheckRead(r, "ListContainerStates");
    std::sort(states.begin(), states.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return states;
}

cgroup::Stats StatsFromReply(sd_bus_message* m) {
    cgroup::Stats s;
    std::map<std::string, uint64_t*> fields = {
        {"MemoryCurrent", &s.memory.usage},   {"MemoryMax", &s.memory.limit},
        {"MemoryPeak", &s.memory.max_usage},  {"MemoryCache", &s.memory.cache},
        {"MemoryAnon", &s.memory.anon},       {"CPUUsageNSec", &s.cpu.total_ns},
        {"CPUUserNSec", &s.cpu.user_ns},      {"CPUSystemNSec", &s.cpu.system_ns},
        {"CPUThrottledPeriods", &s.cpu.throttled_periods},
        {"TasksCurrent", &s.pids.current},    {"TasksMax", &s.pids.limit},
        {"IOReadBytes", &s.io.read_bytes},    {"IOWriteBytes", &s.io.write_bytes},
    };
    CheckRead(sd_bus_message_enter_container(m, 'a', "{sv}"), "GetContainerStats");
    int r;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char* key = nullptr;
        CheckRead(sd_bus_message_read(m, "s", &key), "GetContainerStats");
        auto field = fields.find(key);
        // Keys this berthctl does not know (a newer berthd) are skipped.
        if (field != fields.end() && sd_bus_message_read(m, "v", "t", field->second) >= 0) {
        } else {
            CheckRead(sd_bus_message_skip(m, "v"), "GetContainerStats");
        }
        CheckRead(sd_bus_message_exit_container(m), "GetContainerStats");
    }
    CheckRead(r, "GetContainerStats");
    return s;
}

std::vector<pid_t> PidsFromReply(sd_bus_message* m) {
    std::vector<pid_t> pids;
    CheckRead(sd_bus_message_enter_container(m, 'a', "(us)"), "GetContainerProcesses");
    uint32_t pid = 0;
    const char* command_line = nullptr;
    int r;
    while ((r = sd_bus_message_read(m, "(us)", &pid, &command_line)) > 0)
        pids.push_back(static_cast<pid_t>(pid));
    CheckRead(r, "GetContainerProcesses");
    return pids;
}

std::vector<std::string> NamesFromListReply(sd_bus_message* m) {
    std::vector<std::string> names;
    sd_bus_message_enter_container(m, 'a', "(ssso)");
    const char *name, *id, *state, *path;
    while (sd_bus_message_read(m, "(ssso)", &name, &id, &state, &path) > 0)
        names.emplace_back(name);
    return names;
}

}  // namespace berth::client
