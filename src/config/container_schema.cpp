#include "config/container_schema.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include "config/capability_names.hpp"
#include "config/container_keys.hpp"
#include "config/install.hpp"
#include "config/rlimit_names.hpp"
#include "config/schema_parts.hpp"
#include "config/seccomp_profile.hpp"
#include "config/toml_values.hpp"

namespace berth::config {
namespace {

// The top level's sections and structured keys; its plain values are TopLevelKeys().
const std::vector<std::string_view> kRootSections = {
    "rootfs",       "process",  "namespaces", "mounts",       "devices", "capabilities", "rlimits",
    "uid_mappings", "gid_mappings", "seccomp", "resources",   "checkpoint", "install",   "time_offsets",
};

std::optional<std::string> ReadRootfsPath(const toml::node& node, const std::string& path, Problems& problems) {
    std::optional<std::string> rootfs = ReadAbsolutePath(node, path, problems);
    if (rootfs && rootfs->find_first_not_of('/') == std::string::npos) {
        problems.Add(node, path, "expected a directory holding the container's files, not the host's \"/\"");
        return std::nullopt;
    }
    return rootfs;
}

void ApplyRootfs(const toml::node& node, ContainerConfig& config, Problems& problems) {
    if (node.is_string()) {
        if (std::optional<std::string> path = ReadRootfsPath(node, "rootfs", problems))
            config.rootfs = *path;
        return;
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) {
        problems.Add(node, "rootfs",
                     "expected an absolute path or a table with path and readonly, got " + DescribeNode(node));
        return;
    }
    CheckKeys(*table, "rootfs", {"path", "readonly"}, problems);
    if (const toml::node* path = table->get("path"))
        if (std::optional<std::string> value = ReadRootfsPath(*path, "rootfs.path", problems))
            config.rootfs = *value;
    if (const toml::node* readonly = table->get("readonly"))
        if (std::optional<bool> value = ReadBool(*readonly, "rootfs.readonly", problems))
            config.rootfs_readonly = *value;
}

void ApplyEnv(const toml::node& node, ProcessConfig& process, Problems& problems) {
    std::optional<std::vector<std::string>> env = ReadStringArray(node, "process.env", problems);
    if (!env)
        return;
    std::map<std::string, size_t> seen;
    bool ok = true;
    for (size_t i = 0; i < env->size(); ++i) {
        const std::string& entry = (*env)[i];
        const toml::node& element = *node.as_array()->get(i);
        size_t eq = entry.find('=');
        if (eq == std::string::npos || eq == 0) {
            problems.Add(element, IndexPath("process.env", i), "expected \"NAME=value\", got \"" + entry + "\"");
            ok = false;
            continue;
        }
        auto [it, inserted] = seen.emplace(entry.substr(0, eq), i);
        if (!inserted) {
            problems.Add(element, IndexPath("process.env", i),
                         entry.substr(0, eq) + " is already set by process.env[" + std::to_string(it->second) + "]");
            ok = false;
        }
    }
    if (ok)
        process.env = std::move(*env);
}

void ApplyProcess(const toml::node& node, ProcessConfig& process, Problems& problems) {
    const toml::table* table = ReadTable(node, "process", problems);
    if (table == nullptr)
        return;
    CheckKeys(*table, "process",
              {"args", "env", "cwd", "user", "group", "additional_groups", "no_new_privileges", "terminal"}, problems);
    if (const toml::node* args = table->get("args")) {
        if (std::optional<std::vector<std::string>> value = ReadStringArray(*args, "process.args", problems)) {
            if (value->empty())
                problems.Add(*args, "process.args", "expected at least one argument: the program to run");
            else if (value->front().empty())
                problems.Add(*args->as_array()->get(0), "process.args[0]", "expected the program to run, got \"\"");
            else
                process.args = std::move(*value);
        }
    }
    if (const toml::node* env = table->get("env"))
        ApplyEnv(*env, process, problems);
    if (const toml::node* cwd = table->get("cwd"))
        if (std::optional<std::string> value = ReadAbsolutePath(*cwd, "process.cwd", problems))
            process.cwd = *value;
    if (const toml::node* user = table->get("user"))
        if (std::optional<int64_t> value = ReadInteger(*user, "process.user", 0, kMaxId, problems))
            process.uid = static_cast<uid_t>(*value);
    if (const toml::node* group = table->get("group"))
        if (std::optional<int64_t> value = ReadInteger(*group, "process.group", 0, kMaxId, problems))
            process.gid = static_cast<gid_t>(*value);
    if (const toml::node* groups = table->get("additional_groups")) {
        if (const toml::array* array = ReadArray(*groups, "process.additional_groups", problems)) {
            std::vector<gid_t> gids;
            for (size_t i = 0; i < array->size(); ++i)
                if (std::optional<int64_t> value =
                        ReadInteger((*array)[i], IndexPath("process.additional_groups", i), 0, kMaxId, problems))
                    gids.push_back(static_cast<gid_t>(*value));
            if (gids.size() == array->size())
                process.additional_gids = std::move(gids);
        }
    }
    if (const toml::node* nnp = table->get("no_new_privileges"))
        if (std::optional<bool> value = ReadBool(*nnp, "process.no_new_privileges", problems))
            process.no_new_privileges = *value;
    if (const toml::node* terminal = table->get("terminal"))
        if (std::optional<bool> value = ReadBool(*terminal, "process.terminal", problems))
            process.terminal = *value;
}

void SetNamespace(std::vector<NamespaceConfig>& namespaces, NamespaceKind kind, std::optional<std::string> path) {
    for (NamespaceConfig& ns : namespaces)
        if (ns.kind == kind) {
            ns.path = std::move(path);
            return;
        }
    namespaces.push_back({kind, std::move(path)});
}

void ApplyNamespaces(const toml::node& node, std::vector<NamespaceConfig>& namespaces, TimeNamespace& time,
                     Problems& problems) {
    const toml::table* table = ReadTable(node, "namespaces", problems);
    if (table == nullptr)
        return;
    for (auto&& [key, value] : *table) {
        std::string path = KeyPath("namespaces", key.str());
        if (key.str() == "time") {
            // Only created: offsets are written before its first process, so joining one makes no sense.
            if (std::optional<bool> create = ReadBool(value, path, problems))
                time.create = *create;
            continue;
        }
        std::optional<NamespaceKind> kind = NamespaceKindFromName(std::string(key.str()));
        if (!kind) {
            problems.Add(key.source(), path,
                         "unknown namespace; expected mount, uts, ipc, pid, net, user, cgroup or time");
            continue;
        }
        if (const toml::value<bool>* flag = value.as_boolean()) {
            if (flag->get())
                SetNamespace(namespaces, *kind, std::nullopt);
            else
                std::erase_if(namespaces, [&](const NamespaceConfig& ns) { return ns.kind == *kind; });
        } else if (value.is_string()) {
            if (std::optional<std::string> join = ReadAbsolutePath(value, path, problems))
                SetNamespace(namespaces, *kind, *join);
        } else {
            problems.Add(value, path,
                         "expected true (a new namespace), false (the host's) or the absolute path of a namespace "
                         "to join, got " + DescribeNode(value));
        }
    }
}

// [time_offsets] boot, monotonic: seconds the container's clocks are ahead of the host's.
void ApplyTimeOffsets(const toml::node& node, TimeNamespace& time, Problems& problems) {
    const toml::table* table = ReadTable(node, "time_offsets", problems);
    if (table == nullptr)
        return;
    CheckKeys(*table, "time_offsets", {"boot", "monotonic"}, problems);
    // The kernel keeps a clock's offset value within +-(2^63 ns): about 292 years.
    constexpr int64_t kMaxOffset = 9'000'000'000;
    if (const toml::node* boot = table->get("boot"))
        if (std::optional<int64_t> value = ReadInteger(*boot, "time_offsets.boot", -kMaxOffset, kMaxOffset, problems))
            time.boot_offset = *value;
    if (const toml::node* mono = table->get("monotonic"))
        if (std::optional<int64_t> value =
                ReadInteger(*mono, "time_offsets.monotonic", -kMaxOffset, kMaxOffset, problems))
            time.monotonic_offset = *value;
}

void ApplyCapabilitySet(const toml::node& node, const std::string& path, CapabilitySet& set, Problems& problems) {
    std::optional<std::vector<std::string>> names = ReadStringArray(node, path, problems);
    if (!names)
        return;
    CapabilitySet read;
    bool all_known = true;
    for (size_t i = 0; i < names->size(); ++i) {
        const toml::node& element = *node.as_array()->get(i);
        std::optional<int> cap = CapabilityFromName((*names)[i]);
        if (!cap) {
            problems.Add(element, IndexPath(path, i),
                         "unknown capability \"" + (*names)[i] + "\"; expected a name such as \"CAP_NET_ADMIN\" or \"net_admin\"");
            all_known = false;
            continue;
        }
        if (read.Contains(*cap)) {
            problems.Add(element, IndexPath(path, i), "capability " + CapabilityName(*cap) + " is listed twice");
            all_known = false;
            continue;
        }
        read.Add(*cap);
    }
    if (all_known)
        set = read;
}

void ApplyCapabilities(const toml::node& node, Capabilities& caps, Problems& problems) {
    const toml::table* table = ReadTable(node, "capabilities", problems);
    if (table == nullptr)
        return;
    CheckKeys(*table, "capabilities", {"bounding", "effective", "inheritable", "permitted", "ambient"}, problems);
    std::pair<const char*, CapabilitySet*> sets[] = {
        {"bounding", &caps.bounding},       {"effective", &caps.effective}, {"inheritable", &caps.inheritable},
        {"permitted", &caps.permitted},     {"ambient", &caps.ambient},
    };
    for (auto& [key, set] : sets)
        if (const toml::node* value = table->get(key))
            ApplyCapabilitySet(*value, KeyPath("capabilities", key), *set, problems);
}

constexpr uint64_t kUnlimited = ~0ULL;

std::optional<uint64_t> ReadRlimitValue(const toml::node& node, const std::string& path, Problems& problems) {
    if (const toml::value<std::string>* text = node.as_string(); text && text->get() == "unlimited")
        return kUnlimited;
    if (const toml::value<int64_t>* number = node.as_integer(); number && number->get() >= 0)
        return static_cast<uint64_t>(number->get());
    problems.Add(node, path, "expected a non-negative integer or \"unlimited\", got " + DescribeNode(node));
    return std::nullopt;
}

std::optional<Rlimit> ReadRlimit(const toml::node& node, int resource, const std::string& path,
                                 const Rlimit* existing, SchemaMode mode, Problems& problems) {
    if (!node.is_table()) {
        if (!node.is_integer() && !node.is_string()) {
            problems.Add(node, path,
                         "expected { soft = N, hard = N } or one limit for both, got " + DescribeNode(node));
            return std::nullopt;
        }
        std::optional<uint64_t> both = ReadRlimitValue(node, path, problems);
        if (!both)
            return std::nullopt;
        return Rlimit{resource, *both, *both};
    }
    const toml::table& table = *node.as_table();
    CheckKeys(table, path, {"soft", "hard"}, problems);
    const toml::node* soft = table.get("soft");
    const toml::node* hard = table.get("hard");
    if (soft == nullptr && hard == nullptr) {
        problems.Add(node, path, "expected soft, hard or both");
        return std::nullopt;
    }
    // A missing half comes from the limit as set so far (defaults, earlier files).
    std::optional<uint64_t> soft_value = existing ? std::optional<uint64_t>(existing->soft) : std::nullopt;
    std::optional<uint64_t> hard_value = existing ? std::optional<uint64_t>(existing->hard) : std::nullopt;
    if (soft != nullptr)
        soft_value = ReadRlimitValue(*soft, KeyPath(path, "soft"), problems);
    if (hard != nullptr)
        hard_value = ReadRlimitValue(*hard, KeyPath(path, "hard"), problems);
    if ((soft != nullptr && !soft_value) || (hard != nullptr && !hard_value))
        return std::nullopt;
    if (mode == SchemaMode::Layer) {
        // Another file may give the other half; check what this one says.
        if (!soft_value)
            soft_value = hard_value;
        if (!hard_value)
            hard_value = soft_value;
    }
    for (auto [key, value, given] : {std::tuple{"soft", &soft_value, soft}, std::tuple{"hard", &hard_value, hard}})
        if (!value->has_value() && given == nullptr)
            problems.Add(node, KeyPath(path, key),
                         "required key missing; expected a non-negative integer or \"unlimited\"");
    if (!soft_value || !hard_value)
        return std::nullopt;
    // In a layer, a later file may still raise the hard limit: the merged result is checked.
    if (mode == SchemaMode::Complete && *soft_value > *hard_value) {
        problems.Add(soft != nullptr ? *soft : *hard, KeyPath(path, soft != nullptr ? "soft" : "hard"),
                     "expected a soft limit no higher than the hard limit");
        return std::nullopt;
    }
    return Rlimit{resource, *soft_value, *hard_value};
}

void ApplyRlimits(const toml::node& node, std::vector<Rlimit>& rlimits, SchemaMode mode, Problems& problems) {
    const toml::table* table = ReadTable(node, "rlimits", problems);
    if (table == nullptr)
        return;
    // toml++ keeps keys sorted; walk them in file order so "set twice" blames the later line.
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (auto&& [key, value] : *table)
        entries.emplace_back(&key, &value);
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const toml::source_position& pa = a.first->source().begin;
        const toml::source_position& pb = b.first->source().begin;
        return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    std::map<std::string, std::string> seen;  // canonical name -> key as written
    for (auto [key_ptr, value_ptr] : entries) {
        const toml::key& key = *key_ptr;
        const toml::node& value = *value_ptr;
        std::string path = KeyPath("rlimits", key.str());
        std::optional<std::string> name = CanonicalRlimitName(key.str());
        if (!name) {
            problems.Add(key.source(), path, "unknown resource limit; expected one of " + KnownRlimitNames());
            continue;
        }
        auto [it, inserted] = seen.emplace(*name, std::string(key.str()));
        if (!inserted) {
            problems.Add(key.source(), path, "the " + *name + " limit is already set as rlimits." + it->second);
            continue;
        }
        const int resource = *RlimitResource(*name);
        auto existing = std::find_if(rlimits.begin(), rlimits.end(), [&](const Rlimit& r) { return r.resource == resource; });
        std::optional<Rlimit> limit =
            ReadRlimit(value, resource, path, existing != rlimits.end() ? &*existing : nullptr, mode, problems);
        if (!limit)
            continue;
        if (existing != rlimits.end())
            *existing = *limit;
        else
            rlimits.push_back(*limit);
    }
    // One canonical order, so a configuration printed and read back compares equal.
    std::sort(rlimits.begin(), rlimits.end(),
              [](const Rlimit& a, const Rlimit& b) { return RlimitName(a.resource) < RlimitName(b.resource); });
}

void ApplySeccomp(const toml::node& node, SeccompConfig& seccomp, Problems& problems) {
    const toml::table* table = ReadTable(node, "seccomp", problems);
    if (table == nullptr)
        return;
    CheckKeys(*table, "seccomp", {"profile", "loaded"}, problems);
    const toml::node* profile = table->get("profile");
    const toml::node* loaded = table->get("loaded");
    if (profile == nullptr) {
        if (loaded != nullptr)
            problems.Add(*loaded, "seccomp.loaded", "only goes with seccomp.profile = PATH");
        return;
    }
    const char* expected = "expected \"default\", \"unconfined\" or the absolute path of a profile file";
    const toml::value<std::string>* text = profile->as_string();
    if (text == nullptr) {
        problems.Add(*profile, "seccomp.profile", std::string(expected) + ", got " + DescribeNode(*profile));
    } else if (text->get() == "default") {
        seccomp = {SeccompMode::Default, {}, ""};
    } else if (text->get() == "unconfined") {
        seccomp = {SeccompMode::Unconfined, {}, ""};
    } else if (loaded != nullptr && IsAbsolutePath(text->get())) {
        // A stored configuration: the profile as it was loaded, not the file as it is now.
        const toml::value<std::string>* loaded_text = loaded->as_string();
        if (loaded_text == nullptr) {
            problems.Add(*loaded, "seccomp.loaded", "expected the profile's text, got " + DescribeNode(*loaded));
            return;
        }
        try {
            seccomp = {SeccompMode::Profile, ParseSeccompProfile(loaded_text->get(), "seccomp.loaded"), text->get()};
        } catch (const ConfigError& e) {
            problems.Add(*loaded, "seccomp.loaded", "invalid profile " + std::string(e.what()));
        }
    } else if (IsAbsolutePath(text->get())) {
        // Read now, so that a bad profile is the configuration's error (check-config, load), not launch's.
        try {
            seccomp = LoadSeccompProfile(text->get());
        } catch (const ConfigError& e) {
            problems.Add(*profile, "seccomp.profile", "invalid profile " + std::string(e.what()));
        } catch (const Error& e) {
            problems.Add(*profile, "seccomp.profile", "unusable profile: " + std::string(e.what()));
        }
    } else {
        problems.Add(*profile, "seccomp.profile", std::string(expected) + ", got \"" + text->get() + "\"");
    }
}

void ApplyCheckpoint(const toml::node& node, CheckpointDefaults& checkpoint, Problems& problems) {
    if (const toml::table* table = ReadTable(node, "checkpoint", problems))
        ApplyKeys(*table, "checkpoint", CheckpointKeys(), checkpoint, problems);
}

// The node at a dotted path of `root`, or `root` itself to locate a problem about a missing key.
const toml::node& NodeOrRoot(const toml::table& root, std::string_view path) {
    const toml::node* node = root.at_path(path).node();
    return node != nullptr ? *node : root;
}

}  // namespace

void ApplyContainerTable(const toml::table& root, ContainerConfig& config, Problems& problems, SchemaMode mode) {
    ApplyKeys(root, "", TopLevelKeys(), config, problems, kRootSections);
    if (const toml::node* node = root.get("rootfs"))
        ApplyRootfs(*node, config, problems);
    if (const toml::node* node = root.get("process"))
        ApplyProcess(*node, config.process, problems);
    if (const toml::node* node = root.get("namespaces"))
        ApplyNamespaces(*node, config.namespaces, config.time_namespace, problems);
    if (const toml::node* node = root.get("time_offsets"))
        ApplyTimeOffsets(*node, config.time_namespace, problems);
    if (const toml::node* node = root.get("mounts"))
        ApplyMounts(*node, config.mounts, problems);
    if (const toml::node* node = root.get("devices"))
        ApplyDevices(*node, config.devices, problems);
    if (const toml::node* node = root.get("capabilities"))
        ApplyCapabilities(*node, config.capabilities, problems);
    if (const toml::node* node = root.get("rlimits"))
        ApplyRlimits(*node, config.rlimits, mode, problems);
    if (const toml::node* node = root.get("uid_mappings"))
        ApplyIdMappings(*node, "uid_mappings", config.uid_mappings, problems);
    if (const toml::node* node = root.get("gid_mappings"))
        ApplyIdMappings(*node, "gid_mappings", config.gid_mappings, problems);
    if (const toml::node* node = root.get("seccomp"))
        ApplySeccomp(*node, config.seccomp, problems);
    if (const toml::node* node = root.get("resources"))
        ApplyResources(*node, config.resources, problems);
    if (const toml::node* node = root.get("checkpoint"))
        ApplyCheckpoint(*node, config.checkpoint, problems);
    // Checked here, kept apart: it describes the unit generate-unit makes (config/install.hpp).
    if (const toml::node* node = root.get("install")) {
        InstallConfig install;
        ApplyInstall(*node, install, problems);
    }
}

void CheckContainerComplete(const toml::table& root, const ContainerConfig& config, Problems& problems) {
    if (config.rootfs.empty())
        problems.Add(root, "rootfs",
                     "required key missing; expected the absolute path of the container's root file system, "
                     "e.g. rootfs = \"/var/lib/machines/NAME\"");
    const NamespaceConfig* uts = config.FindNamespace(NamespaceKind::Uts);
    if (!config.hostname.empty() && uts == nullptr)  // new, or joined by path (runc sets it there too)
        problems.Add(NodeOrRoot(root, "hostname"), "hostname",
                     "setting a host name needs a UTS namespace of the container's own (namespaces.uts = true, "
                     "or a path to join)");
    if ((config.time_namespace.boot_offset != 0 || config.time_namespace.monotonic_offset != 0) &&
        !config.time_namespace.create)
        problems.Add(NodeOrRoot(root, "time_offsets"), "time_offsets",
                     "clock offsets need a new time namespace (namespaces.time = true)");
    const NamespaceConfig* user = config.FindNamespace(NamespaceKind::User);
    bool new_user_namespace = user != nullptr && !user->path;
    for (auto [key, mappings] : {std::pair{"uid_mappings", &config.uid_mappings},
                                 std::pair{"gid_mappings", &config.gid_mappings}}) {
        if (!mappings->empty() && !new_user_namespace)
            problems.Add(NodeOrRoot(root, key), key, "ID mappings need a new user namespace (namespaces.user = true)");
        if (mappings->empty() && new_user_namespace)
            problems.Add(NodeOrRoot(root, "namespaces.user"), "namespaces.user",
                         std::string("a new user namespace needs ") + key);
    }
}

void NormalizeContainerTable(toml::table& root) {
    if (toml::node* rootfs = root.get("rootfs"); rootfs != nullptr && rootfs->is_string()) {
        toml::table expanded;
        expanded.insert("path", std::move(*rootfs->as_string()));
        root.insert_or_assign("rootfs", std::move(expanded));
    }
    // RLIMIT_NOFILE in one file and nofile in another must merge as one limit.
    if (toml::table* rlimits = root.get_as<toml::table>("rlimits")) {
        toml::table renamed;
        for (auto&& [key, value] : *rlimits) {
            std::optional<std::string> name = CanonicalRlimitName(key.str());
            renamed.insert(toml::key(name ? *name : std::string(key.str()), key.source()), std::move(value));
        }
        rlimits->clear();  // refilled in place: the table keeps its own source position
        for (auto&& [key, value] : renamed)
            rlimits->insert(key, std::move(value));
    }
}

}  // namespace berth::config
