// FormatContainerConfig: the whole configuration as TOML in the schema's own shape, every key
// written out, so that reading it back (ParseContainerConfigString) gives an equal configuration.
#include <cstdio>
#include <sstream>

#include "config/loader.hpp"
#include "config/units.hpp"

namespace berth::config {
namespace {

std::string Quote(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (u < 0x20 || u == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", u);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

const char* Bool(bool value) { return value ? "true" : "false"; }

std::string StringArray(const std::vector<std::string>& items) {
    if (items.empty())
        return "[]";
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "" : ", ") + Quote(items[i]);
    return out + "]";
}

// Long lists one item a line, for diff-friendly output.
std::string StringList(const std::vector<std::string>& items) {
    if (items.size() <= 3)
        return StringArray(items);
    std::string out = "[\n";
    for (const std::string& item : items)
        out += "    " + Quote(item) + ",\n";
    return out + "]";
}

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
}

void WriteResources(std::ostream& out, const Resources& r) {
    out << "\n[resources]\n";
    if (r.memory_max)
        out << "memory_max = " << Quote(FormatByteSize(*r.memory_max)) << "\n";
    if (r.memory_high)
        out << "memory_high = " << Quote(FormatByteSize(*r.memory_high)) << "\n";
    if (r.memory_swap_max)
        out << "memory_swap_max = " << Quote(FormatByteSize(*r.memory_swap_max)) << "\n";
    if (r.cpu_weight)
        out << "cpu_weight = " << *r.cpu_weight << "\n";
    if (r.cpu_quota)
        out << "cpu_quota = " << Quote(FormatCpuQuota(*r.cpu_quota)) << "\n";
    if (r.tasks_max)
        out << "tasks_max = " << *r.tasks_max << "\n";
    if (r.io_weight)
        out << "io_weight = " << *r.io_weight << "\n";
    if (r.allowed_cpus)
        out << "allowed_cpus = " << Quote(*r.allowed_cpus) << "\n";
    out << "devices = [";
    for (const DeviceRule& rule : r.devices) {
        out << "\n    { allow = " << Bool(rule.allow) << ", type = " << Quote(std::string(1, rule.type));
        if (rule.major)
            out << ", major = " << *rule.major;
        if (rule.minor)
            out << ", minor = " << *rule.minor;
        out << ", access = " << Quote(rule.access) << " },";
    }
    out << (r.devices.empty() ? "]\n" : "\n]\n");
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
    out << "hostname = " << Quote(config.hostname) << "\n";
    out << "stop_timeout = " << Quote(FormatDuration(config.stop_timeout)) << "\n";
    out << "notify = " << Quote(config.notify) << "\n";
    out << "masked_paths = " << StringList(config.masked_paths) << "\n";
    out << "readonly_paths = " << StringList(config.readonly_paths) << "\n";
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
    out << "\n[capabilities]\nbounding = " << StringList(caps.bounding) << "\neffective = " << StringList(caps.effective)
        << "\ninheritable = " << StringList(caps.inheritable) << "\npermitted = " << StringList(caps.permitted)
        << "\nambient = " << StringList(caps.ambient) << "\n";

    out << "\n[rlimits]\n";
    for (const Rlimit& limit : config.rlimits)
        out << limit.type << " = { soft = " << RlimitValue(limit.soft) << ", hard = " << RlimitValue(limit.hard)
            << " }\n";

    out << "\n[seccomp]\nprofile = ";
    switch (config.seccomp.mode) {
        case SeccompMode::Default: out << "\"default\"\n"; break;
        case SeccompMode::Unconfined: out << "\"unconfined\"\n"; break;
        case SeccompMode::Profile: out << Quote(config.seccomp.profile) << "\n"; break;
    }

    const CheckpointDefaults& cp = config.checkpoint;
    out << "\n[checkpoint]\ntcp_established = " << Bool(cp.tcp_established) << "\next_unix_sk = " << Bool(cp.ext_unix_sk)
        << "\nshell_job = " << Bool(cp.shell_job) << "\nfile_locks = " << Bool(cp.file_locks)
        << "\nmanage_cgroups_mode = " << Quote(cp.manage_cgroups_mode)
        << "\ncriu_timeout = " << Quote(FormatDuration(cp.criu_timeout)) << "\n";

    WriteResources(out, config.resources);

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
