// FormatContainerConfig: the whole configuration as TOML in the schema's own shape, every key
// written out, so that reading it back (ParseContainerConfigString) gives an equal configuration.
#include <cstdio>
#include <sstream>

#include "config/capability_names.hpp"
#include "config/container_keys.hpp"
#include "config/loader.hpp"
#include "config/rlimit_names.hpp"
#include "config/seccomp_profile.hpp"
#include "config/toml_write.hpp"
#include "config/units.hpp"

namespace berth::config {
namespace {

std::string Octal(uint32_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0o%o", mode);
    return buf;
}

std::string RlimitValue(uint64_t value) { return value == ~0ULL ? "\"unlimited\"" : std::to_string(value); }

void WriteNamespaces(std::ostream& out, const ContainerConfig& config) {
    out << "\n[namespaces]\n";
    for (NamespaceKind kind : kAllNamespaceKinds) {
        const NamespaceConfig* ns = config.FindNamespace(kind);
        out << NamespaceKindName(kind) << " = ";
        if (ns == nullptr)
            out << "false\n";
        else if (ns->path)
            out << Quote(*ns->path) << "\n";
        else
            out << "true\n";
    }
    out << "time = " << Bool(config.time_namespace.create) << "\n";
    out << "\n[time_offsets]\nboot = " << config.time_namespace.boot_offset
        << "\nmonotonic = " << config.time_namespace.monotonic_offset << "\n";
}

void WriteIdMappings(std::ostream& out, const char* key, const std::vector<IdMapping>& mappings) {
    for (const IdMapping& m : mappings)
        out << "\n[[" << key << "]]\ncontainer_id = " << m.container_id << "\nhost_id = " << m.host_id
            << "\nsize = " << m.size << "\n";
}

}  // namespace

std::string FormatContainerConfig(const ContainerConfig& config) {
    std::ostringstream out;
    if (!config.name.empty())
        out << "# Container " << config.name << ": the merged configuration\n";
    FormatKeys(out, TopLevelKeys(), config);
    // Empty arrays of tables can't be written as [[headers]]; an empty inline array replaces the default.
    if (config.mounts.empty())
        out << "mounts = []\n";
    if (config.devices.empty())
        out << "devices = []\n";
    if (config.uid_mappings.empty())
        out << "uid_mappings = []\n";
    if (config.gid_mappings.empty())
        out << "gid_mappings = []\n";

    out << "\n[rootfs]\npath = " << Quote(config.rootfs) << "\nreadonly = " << Bool(config.rootfs_readonly) << "\n";

    const ProcessConfig& p = config.process;
    out << "\n[process]\nargs = " << StringArray(p.args) << "\nenv = " << StringList(p.env) << "\ncwd = " << Quote(p.cwd)
        << "\nuser = " << p.uid << "\ngroup = " << p.gid << "\nadditional_groups = [";
    for (size_t i = 0; i < p.additional_gids.size(); ++i)
        out << (i == 0 ? "" : ", ") << p.additional_gids[i];
    out << "]\nno_new_privileges = " << Bool(p.no_new_privileges) << "\nterminal = " << Bool(p.terminal) << "\n";

    WriteNamespaces(out, config);

    const Capabilities& caps = config.capabilities;
    out << "\n[capabilities]\nbounding = " << StringList(CapabilityNames(caps.bounding))
        << "\neffective = " << StringList(CapabilityNames(caps.effective))
        << "\ninheritable = " << StringList(CapabilityNames(caps.inheritable))
        << "\npermitted = " << StringList(CapabilityNames(caps.permitted))
        << "\nambient = " << StringList(CapabilityNames(caps.ambient)) << "\n";

    out << "\n[rlimits]\n";
    for (const Rlimit& limit : config.rlimits)
        out << RlimitName(limit.resource) << " = { soft = " << RlimitValue(limit.soft) << ", hard = " << RlimitValue(limit.hard)
            << " }\n";

    out << "\n[seccomp]\nprofile = ";
    switch (config.seccomp.mode) {
        case SeccompMode::Default: out << "\"default\"\n"; break;
        case SeccompMode::Unconfined: out << "\"unconfined\"\n"; break;
        case SeccompMode::Profile:
            // The profile as loaded goes with it: a stored or exported configuration keeps the
            // profile it was started with, whatever happens to the file later.
            out << Quote(config.seccomp.profile_path) << "\nloaded = " << Quote(FormatSeccompProfile(config.seccomp.profile))
                << "\n";
            break;
    }

    out << "\n[checkpoint]\n";
    FormatKeys(out, CheckpointKeys(), config.checkpoint);

    out << "\n[resources]\n";
    FormatKeys(out, ResourceKeys(), config.resources);

    for (const MountConfig& m : config.mounts)
        out << "\n[[mounts]]\nsource = " << Quote(m.source) << "\ndestination = " << Quote(m.destination)
            << "\ntype = " << Quote(m.type) << "\noptions = " << StringArray(m.options) << "\n";
    for (const DeviceConfig& d : config.devices)
        out << "\n[[devices]]\npath = " << Quote(d.path) << "\ntype = " << Quote(std::string(1, d.type))
            << "\nmajor = " << d.major << "\nminor = " << d.minor << "\nfile_mode = " << Octal(d.file_mode)
            << "\nuid = " << d.uid << "\ngid = " << d.gid << "\n";
    WriteIdMappings(out, "uid_mappings", config.uid_mappings);
    WriteIdMappings(out, "gid_mappings", config.gid_mappings);
    return out.str();
}

}  // namespace berth::config
