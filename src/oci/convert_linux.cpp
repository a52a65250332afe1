// linux: namespaces, id mappings, devices, resources, cgroupsPath, masked and read-only paths.
#include <algorithm>

#include "config/defaults.hpp"
#include "oci/json_reader.hpp"
#include "oci/spec.hpp"

namespace berth::oci {
namespace {

using config::NamespaceKind;

std::optional<NamespaceKind> NamespaceFromOci(const std::string& type) {
    if (type == "network")
        return NamespaceKind::Net;
    if (type == "mount")
        return NamespaceKind::Mount;
    if (type == "pid" || type == "ipc" || type == "uts" || type == "user" || type == "cgroup")
        return config::NamespaceKindFromName(type);
    return std::nullopt;
}

void ConvertNamespaces(const Json& linux_section, config::ContainerConfig& config) {
    const Json* list = OptArray(linux_section, "namespaces", "linux");
    if (!list)
        return;
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string path = IndexPath("linux.namespaces", i);
        const Json& item = AsObject((*list)[i], path);
        std::string type = OptString(item, "type", path).value_or("");
        std::optional<NamespaceKind> kind = NamespaceFromOci(type);
        if (type == "time")
            Unsupported(MemberPath(path, "type"), "Berth makes no time namespace");
        if (!kind)
            Invalid(MemberPath(path, "type"), "unknown namespace type '" + type + "'");
        if (config.FindNamespace(*kind))
            Invalid(MemberPath(path, "type"), "namespace '" + type + "' is listed twice");
        config::NamespaceConfig ns{*kind, std::nullopt};
        if (std::optional<std::string> join = OptString(item, "path", path); join && !join->empty())
            ns.path = *join;
        config.namespaces.push_back(ns);
    }
}

std::vector<config::IdMapping> ConvertIdMappings(const Json& linux_section, const char* key) {
    std::vector<config::IdMapping> mappings;
    const Json* list = OptArray(linux_section, key, "linux");
    if (!list)
        return mappings;
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string path = IndexPath(MemberPath("linux", key), i);
        const Json& item = AsObject((*list)[i], path);
        std::optional<uint64_t> container = OptUint(item, "containerID", path);
        std::optional<uint64_t> host = OptUint(item, "hostID", path);
        std::optional<uint64_t> size = OptUint(item, "size", path);
        if (!container || !host || !size)
            Invalid(path, "needs containerID, hostID and size");
        mappings.push_back({static_cast<uint32_t>(*container), static_cast<uint32_t>(*host), static_cast<uint32_t>(*size)});
    }
    return mappings;
}

void ConvertDevices(const Json& linux_section, std::vector<config::DeviceConfig>& devices) {
    const Json* list = OptArray(linux_section, "devices", "linux");
    if (!list)
        return;
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string path = IndexPath("linux.devices", i);
        const Json& item = AsObject((*list)[i], path);
        config::DeviceConfig dev;
        std::optional<std::string> node = OptString(item, "path", path);
        if (!node || node->rfind("/dev/", 0) != 0)
            Invalid(MemberPath(path, "path"), "expected a path under /dev");
        dev.path = *node;
        std::string type = OptString(item, "type", path).value_or("");
        if (type != "c" && type != "b" && type != "u" && type != "p")
            Invalid(MemberPath(path, "type"), "expected c, b, u or p, not '" + type + "'");
        dev.type = type == "b" ? 'b' : type == "p" ? 'p' : 'c';
        dev.major = OptInt(item, "major", path).value_or(type == "p" ? 0 : -1);
        dev.minor = OptInt(item, "minor", path).value_or(type == "p" ? 0 : -1);
        if (dev.major < 0 || dev.minor < 0)
            Invalid(path, "a character or block device needs major and minor");
        dev.file_mode = static_cast<uint32_t>(OptUint(item, "fileMode", path).value_or(0666));
        dev.uid = static_cast<uid_t>(OptUint(item, "uid", path).value_or(0));
        dev.gid = static_cast<gid_t>(OptUint(item, "gid", path).value_or(0));
        devices.push_back(dev);
    }
}

void RefuseUnhonoured(const Json& linux_section) {
    static const char* const kEmptyOnly[] = {"intelRdt", "timeOffsets", "memoryPolicy", "netDevices"};
    for (const char* key : kEmptyOnly) {
        const Json* value = Member(linux_section, key);
        if (value && !value->empty())
            Unsupported(MemberPath("linux", key), "refused rather than ignored (Berth cannot honour it)");
    }
    if (!OptString(linux_section, "mountLabel", "linux").value_or("").empty())
        Unsupported("linux.mountLabel", "Berth applies no SELinux label");
}

void ConvertRootfsPropagation(const Json& linux_section, config::ContainerConfig& config) {
    static const char* const kNames[] = {"private", "rprivate", "shared",     "rshared",
                                         "slave",   "rslave",   "unbindable", "runbindable"};
    std::string propagation = OptString(linux_section, "rootfsPropagation", "linux").value_or("");
    if (propagation.empty())
        return;
    if (std::find(std::begin(kNames), std::end(kNames), propagation) == std::end(kNames))
        Invalid("linux.rootfsPropagation",
                "expected private, shared, slave or unbindable (or rprivate, rshared, ...), not '" + propagation + "'");
    config.rootfs_propagation = propagation;
}

// What runc's validator allows: only keys of a namespace the container has of its own.
void CheckSysctlNamespace(const std::string& key, const config::ContainerConfig& config) {
    static const char* const kIpcKeys[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                           "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
                                           "kernel.shm_rmid_forced"};
    const std::string path = MemberPath("linux.sysctl", key);
    std::string dotted = key;
    std::replace(dotted.begin(), dotted.end(), '/', '.');
    auto needs = [&](NamespaceKind kind, const char* what) {
        if (!config.FindNamespace(kind))
            Unsupported(path, std::string("the key belongs to the ") + what +
                                  " namespace, and the container has none of its own (the host's would change)");
    };
    if (dotted.rfind("fs.mqueue.", 0) == 0 || std::find(std::begin(kIpcKeys), std::end(kIpcKeys), dotted) != std::end(kIpcKeys))
        needs(NamespaceKind::Ipc, "ipc");
    else if (dotted.rfind("net.", 0) == 0)
        needs(NamespaceKind::Net, "network");
    else if (dotted == "kernel.hostname" || dotted == "kernel.domainname")
        needs(NamespaceKind::Uts, "uts");
    else
        Unsupported(path, "not a key of a namespace of the container's own (the host's kernel would change)");
}

void ConvertSysctl(const Json& linux_section, config::ContainerConfig& config) {
    const Json* object = OptObject(linux_section, "sysctl", "linux");
    if (!object)
        return;
    for (const auto& [key, value] : object->items()) {
        const std::string path = MemberPath("linux.sysctl", key);
        if (key.empty() || ("/" + key + "/").find("/../") != std::string::npos || key.find("..") != std::string::npos)
            Invalid(path, "not a kernel parameter name");
        CheckSysctlNamespace(key, config);
        config.sysctl[key] = AsString(value, path);
    }
}

void ConvertPersonality(const Json& linux_section, config::ContainerConfig& config) {
    const Json* object = OptObject(linux_section, "personality", "linux");
    if (!object)
        return;
    std::string domain = OptString(*object, "domain", "linux.personality").value_or("");
    if (domain == "LINUX")
        config.personality = "linux";
    else if (domain == "LINUX32")
        config.personality = "linux32";
    else
        Invalid("linux.personality.domain", "expected LINUX or LINUX32, not '" + domain + "'");
    if (const Json* flags = OptArray(*object, "flags", "linux.personality"); flags && !flags->empty())
        Unsupported("linux.personality.flags", "no personality flags are supported (as runc)");
}

}  // namespace

void ConvertLinux(const Json& linux_section, config::ContainerConfig& config, OciExtras& extras) {
    RefuseUnhonoured(linux_section);
    ConvertRootfsPropagation(linux_section, config);
    ConvertNamespaces(linux_section, config);
    ConvertSysctl(linux_section, config);
    ConvertPersonality(linux_section, config);
    config.uid_mappings = ConvertIdMappings(linux_section, "uidMappings");
    config.gid_mappings = ConvertIdMappings(linux_section, "gidMappings");
    ConvertDevices(linux_section, config.devices);
    const Json* resources = OptObject(linux_section, "resources", "linux");
    if (resources)
        ConvertResources(*resources, config.resources);
    const Json* rules = resources ? Member(*resources, "devices") : nullptr;
    if (rules && rules->is_array() && !rules->empty()) {
        // As runc: the devices the launcher makes (and the configured ones) stay usable after the
        // spec's rules (a bare deny-all, as `runc spec` writes, would fail the launcher's mknod).
        std::vector<config::DeviceRule> defaults = config::DefaultDeviceRules();
        config.resources.devices.insert(config.resources.devices.end(), defaults.begin() + 1, defaults.end());
        for (const config::DeviceConfig& dev : config.devices)
            if (dev.type != 'p')  // the device cgroup knows no FIFOs
                config.resources.devices.push_back({true, dev.type, dev.major, dev.minor, "rwm"});
    }
    extras.cgroups_path = OptString(linux_section, "cgroupsPath", "linux").value_or("");
    config.masked_paths = StringArray(linux_section, "maskedPaths", "linux");
    config.readonly_paths = StringArray(linux_section, "readonlyPaths", "linux");
}

}  // namespace berth::oci
