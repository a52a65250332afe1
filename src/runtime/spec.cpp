// berth-runtime spec [--bundle DIR] [--rootless]: writes a default config.json as `runc spec` does
// (a busybox-style "sh" on a terminal in rootfs/, read-only root, the usual /proc, /dev, /sys
// mounts, new pid/net/ipc/uts/mount/cgroup namespaces), for users to edit.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <iostream>

#include "runtime/options.hpp"
#include "runtime/verb.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::runtime {
namespace {

using Json = nlohmann::ordered_json;

Json Mount(const std::string& destination, const std::string& type, const std::string& source,
           const std::vector<std::string>& options) {
    Json mount = {{"destination", destination}, {"type", type}, {"source", source}};
    if (!options.empty())
        mount["options"] = options;
    return mount;
}

Json DefaultProcess() {
    const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    return {
        {"terminal", true},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"sh"}},
        {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true},
    };
}

Json DefaultMounts() {
    return {
        Mount("/proc", "proc", "proc", {}),
        Mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        Mount("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        Mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        Mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
    };
}

Json DefaultLinux() {
    Json namespaces = Json::array();
    for (const char* type : {"pid", "network", "ipc", "uts", "mount", "cgroup"})
        namespaces.push_back({{"type", type}});
    return {
        {"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
        {"namespaces", namespaces},
        {"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
          "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"}},
        {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
    };
}

// runc spec --rootless: a user namespace mapping root to the caller, no cgroup limits, /sys bound.
void MakeRootless(Json& spec) {
    Json& linux = spec["linux"];
    linux.erase("resources");
    Json namespaces = Json::array();
    for (const Json& ns : linux["namespaces"])
        if (ns["type"] != "network" && ns["type"] != "cgroup")
            namespaces.push_back(ns);
    namespaces.push_back({{"type", "user"}});
    linux["namespaces"] = namespaces;
    linux["uidMappings"] = {{{"containerID", 0}, {"hostID", ::getuid()}, {"size", 1}}};
    linux["gidMappings"] = {{{"containerID", 0}, {"hostID", ::getgid()}, {"size", 1}}};
    Json mounts = Json::array();
    for (const Json& mount : spec["mounts"]) {
        if (mount["destination"] == "/sys/fs/cgroup")
            continue;
        if (mount["destination"] == "/sys")
            mounts.push_back(Mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}));
        else if (mount["destination"] == "/dev/pts")
            mounts.push_back(Mount("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}));
        else
            mounts.push_back(mount);
    }
    spec["mounts"] = mounts;
}

int SpecMain(const GlobalOptions&, const std::vector<std::string>& args) {
    std::string bundle = ".";
    bool rootless = false;
    OptionParser options(args);
    while (options.AtOption()) {
        const std::string name = options.Name();
        if (name == "b" || name == "bundle")
            bundle = options.TakeValue();
        else if (name == "rootless")
            rootless = options.TakeFlag();
        else
            options.RejectUnknown();
    }
    if (!options.Rest().empty())
        throw UsageError{"unexpected argument '" + options.Rest()[0] + "'"};

    Json spec = {
        {"ociVersion", "1.2.0"},
        {"process", DefaultProcess()},
        {"root", {{"path", "rootfs"}, {"readonly", true}}},
        {"hostname", "berth"},
        {"mounts", DefaultMounts()},
        {"linux", DefaultLinux()},
    };
    if (rootless)
        MakeRootless(spec);
    std::string path = bundle + "/config.json";
    if (PathExists(path))
        throw Error("File " + path + " exists. Remove it first");
    WriteFileAtomic(path, spec.dump(1, '\t') + "\n", 0644, Durability::RuntimeOnly);
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("spec", "spec [--bundle DIR] [--rootless]",
                   "create a new specification file (config.json)", SpecMain);

}  // namespace berth::runtime
