#include "config/defaults.hpp"

#include <linux/capability.h>
#include <sys/resource.h>

namespace berth::config {
namespace {

CapabilitySet DefaultCapabilitySet() {
    CapabilitySet set;
    for (int cap : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID, CAP_SETUID,
                    CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE})
        set.Add(cap);
    return set;
}

}  // namespace

std::vector<DeviceConfig> DefaultDevices() {
    return {
        {"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
        {"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
        {"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
    };
}

std::vector<DeviceRule> DefaultDeviceRules() {
    std::vector<DeviceRule> rules;
    rules.push_back({false, 'a', std::nullopt, std::nullopt, "rwm"});
    for (const DeviceConfig& dev : DefaultDevices())
        rules.push_back({true, dev.type, dev.major, dev.minor, "rwm"});
    rules.push_back({true, 'c', 5, 2, "rwm"});                 // /dev/ptmx
    rules.push_back({true, 'c', 136, std::nullopt, "rwm"});    // /dev/pts/*
    return rules;
}

ContainerConfig DefaultContainerConfig() {
    ContainerConfig c;
    c.process.args = {"/bin/sh"};
    c.process.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    c.process.cwd = "/";
    c.process.no_new_privileges = true;
    for (NamespaceKind kind : {NamespaceKind::Mount, NamespaceKind::Uts, NamespaceKind::Ipc, NamespaceKind::Pid,
                               NamespaceKind::Net, NamespaceKind::Cgroup})
        c.namespaces.push_back({kind, std::nullopt});
    c.masked_paths = {"/proc/acpi",          "/proc/asound",      "/proc/kcore",       "/proc/keys",
                      "/proc/latency_stats", "/proc/timer_list",  "/proc/timer_stats", "/proc/sched_debug",
                      "/proc/scsi",          "/sys/firmware"};
    c.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    CapabilitySet caps = DefaultCapabilitySet();
    c.capabilities = {caps, caps, caps, caps, caps};
    c.rlimits = {{RLIMIT_NOFILE, 1024, 1024}};
    c.resources.devices = DefaultDeviceRules();
    return c;
}

const char* NamespaceKindName(NamespaceKind kind) {
    switch (kind) {
        case NamespaceKind::Mount: return "mount";
        case NamespaceKind::Uts: return "uts";
        case NamespaceKind::Ipc: return "ipc";
        case NamespaceKind::Pid: return "pid";
        case NamespaceKind::Net: return "net";
        case NamespaceKind::User: return "user";
        case NamespaceKind::Cgroup: return "cgroup";
    }
    return "?";
}

std::optional<NamespaceKind> NamespaceKindFromName(const std::string& name) {
    for (NamespaceKind kind : kAllNamespaceKinds)
        if (name == NamespaceKindName(kind))
            return kind;
    return std::nullopt;
}

const NamespaceConfig* ContainerConfig::FindNamespace(NamespaceKind kind) const {
    for (const NamespaceConfig& ns : namespaces)
        if (ns.kind == kind)
            return &ns;
    return nullptr;
}

}  // namespace berth::config
