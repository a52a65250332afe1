// linux: namespaces, id mappings, devices, resources, cgroupsPath, masked and read-only paths.
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
        if (type == "p")
            Unsupported(MemberPath(path, "type"), "Berth creates no FIFO devices");
        if (type != "c" && type != "b" && type != "u")
            Invalid(MemberPath(path, "type"), "expected c, b, u or p, not '" + type + "'");
        dev.type = type == "b" ? 'b' : 'c';
        dev.major = OptInt(item, "major", path).value_or(-1);
        dev.minor = OptInt(item, "minor", path).value_or(-1);
        if (dev.major < 0 || dev.minor < 0)
            Invalid(path, "a character or block device needs major and minor");
        dev.file_mode = static_cast<uint32_t>(OptUint(item, "fileMode", path).value_or(0666));
        dev.uid = static_cast<uid_t>(OptUint(item, "uid", path).value_or(0));
        dev.gid = static_cast<gid_t>(OptUint(item, "gid", path).value_or(0));
        devices.push_back(dev);
    }
}

void RefuseUnhonoured(const Json& linux_section) {
    static const char* const kEmptyOnly[] = {"sysctl", "personality", "intelRdt", "timeOffsets",
                                             "memoryPolicy", "netDevices"};
    for (const char* key : kEmptyOnly) {
        const Json* value = Member(linux_section, key);
        if (value && !value->empty())
            Unsupported(MemberPath("linux", key), "not implemented");
    }
    if (!OptString(linux_section, "mountLabel", "linux").value_or("").empty())
        Unsupported("linux.mountLabel", "Berth applies no SELinux label");
    std::string propagation = OptString(linux_section, "rootfsPropagation", "linux").value_or("");
    if (!propagation.empty() && propagation != "private" && propagation != "rprivate")
        Unsupported("linux.rootfsPropagation", "the rootfs is always rprivate, not " + propagation);
}

}  // namespace

void ConvertLinux(const Json& linux_section, config::ContainerConfig& config, OciExtras& extras) {
    RefuseUnhonoured(linux_section);
    ConvertNamespaces(linux_section, config);
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
            config.resources.devices.push_back({true, dev.type, dev.major, dev.minor, "rwm"});
    }
    extras.cgroups_path = OptString(linux_section, "cgroupsPath", "linux").value_or("");
    config.masked_paths = StringArray(linux_section, "maskedPaths", "linux");
    config.readonly_paths = StringArray(linux_section, "readonlyPaths", "linux");
}

}  // namespace berth::oci
