// [resources]: cgroup limits and the device access rules, one row of ResourceKeys() per key.
#include <cctype>

#include "config/cgroup_names.hpp"
#include "config/container_keys.hpp"
#include "config/schema_parts.hpp"
#include "config/toml_values.hpp"
#include "config/units.hpp"

namespace berth::config {
namespace {

using ResourceKey = Key<Resources>;

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

// A key inside one of [resources]' own tables, quoted when TOML needs it: resources.unified."memory.high".
std::string SubKeyPath(const std::string& path, const std::string& key) {
    bool bare = !key.empty();
    for (char c : key)
        bare = bare && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
    return KeyPath(path, bare ? key : Quote(key));
}

// Sizes: "512M", "2G", a number of bytes, or "max" for no limit (undoes a lower file's limit):
// nullopt with `unlimited` set for "max", nullopt alone for a problem.
std::optional<ByteSize> ReadSize(const toml::node& node, const std::string& path, uint64_t minimum, bool& unlimited,
                                 Problems& problems) {
    unlimited = false;
    std::string expected = "expected a size such as \"512M\", \"2G\", a number of bytes or \"max\"";
    std::optional<ByteSize> size;
    if (const toml::value<int64_t>* number = node.as_integer()) {
        if (number->get() < 0)
            problems.Add(node, path, expected + ", got " + std::to_string(number->get()));
        else
            size = ByteSize{static_cast<uint64_t>(number->get())};
    } else if (const toml::value<std::string>* text = node.as_string(); text && text->get() == "max") {
        unlimited = true;
        return std::nullopt;
    } else if (text == nullptr) {
        problems.Add(node, path, expected + ", got " + DescribeNode(node));
    } else {
        try {
            size = ParseByteSize(text->get());
        } catch (const UnitError& e) {
            problems.Add(node, path, expected + ", got " + Quoted(text->get()) + " (" + e.what() + ")");
        }
    }
    if (size && size->bytes < minimum) {
        problems.Add(node, path,
                     minimum == kMinMemoryLimit ? *MemoryLimitProblem(*size)
                                                : "expected at least " + FormatByteSize(ByteSize{minimum}) + ", got " +
                                                      FormatByteSize(*size));
        return std::nullopt;
    }
    return size;
}

std::optional<std::string> FormatSize(const std::optional<ByteSize>& size) {
    if (!size)
        return std::nullopt;
    return Quote(FormatByteSize(*size));
}

ResourceKey SizeKey(std::string_view name, std::optional<ByteSize> Resources::*field, uint64_t minimum = 0) {
    return {name,
            [field, minimum](const toml::node& value, const std::string& path, Resources& r, Problems& problems) {
                bool unlimited = false;
                if (std::optional<ByteSize> size = ReadSize(value, path, minimum, unlimited, problems))
                    r.*field = size;
                else if (unlimited)
                    (r.*field).reset();
            },
            [field](const Resources& r) { return FormatSize(r.*field); }};
}

// An integer from `min` to `max`, no way to undo (a weight, a swappiness).
ResourceKey IntegerKey(std::string_view name, std::optional<uint64_t> Resources::*field, int64_t min, int64_t max) {
    return {name,
            [field, min, max](const toml::node& value, const std::string& path, Resources& r, Problems& problems) {
                if (std::optional<int64_t> number = ReadInteger(value, path, min, max, problems))
                    r.*field = static_cast<uint64_t>(*number);
            },
            [field](const Resources& r) -> std::optional<std::string> {
                if (!(r.*field))
                    return std::nullopt;
                return std::to_string(*(r.*field));
            }};
}

// Set only when true (nothing to write otherwise): a created container's state keeps it.
ResourceKey OomKillDisableKey() {
    return {"oom_kill_disable",
            [](const toml::node& value, const std::string& path, Resources& r, Problems& problems) {
                if (std::optional<bool> b = ReadBool(value, path, problems))
                    r.oom_kill_disable = *b;
            },
            [](const Resources& r) -> std::optional<std::string> {
                if (!r.oom_kill_disable)
                    return std::nullopt;
                return std::string("true");
            }};
}

ResourceKey CpuQuotaKey() {
    return {"cpu_quota",
            [](const toml::node& value, const std::string& path, Resources& r, Problems& problems) {
                std::string expected = "expected a percentage of one CPU such as \"150%\", or \"max\"";
                const toml::value<std::string>* text = value.as_string();
                if (text == nullptr) {
                    problems.Add(value, path, expected + ", got " + DescribeNode(value));
                    return;
                }
                if (text->get() == "max") {
                    r.cpu_quota.reset();
                    return;
                }
                try {
                    r.cpu_quota = ParseCpuQuota(text->get());
                } catch (const UnitError& e) {
                    problems.Add(value, path, expected + ", got " + Quoted(text->get()) + " (" + e.what() + ")");
                }
            },
            [](const Resources& r) -> std::optional<std::string> {
                if (!r.cpu_quota)
                    return std::nullopt;
                return Quote(FormatCpuQuota(*r.cpu_quota));
            }};
}

ResourceKey TasksMaxKey() {
    return {"tasks_max",
            [](const toml::node& value, const std::string& path, Resources& r, Problems& problems) {
                if (const toml::value<std::string>* text = value.as_string(); text && text->get() == "max") {
                    r.tasks_max.reset();
                    return;
                }
                if (const toml::value<int64_t>* number = value.as_integer(); number && number->get() >= 1) {
                    r.tasks_max = static_cast<uint64_t>(number->get());
                    return;
                }
                problems.Add(value, path, "expected a positive integer or \"max\", got " + DescribeNode(value));
            },
            [](const Resources& r) -> std::optional<std::string> {
                if (!r.tasks_max)
                    return std::nullopt;
                return std::to_string(*r.tasks_max);
            }};
}

// allowed_cpus, allowed_mems: "0-1,3"; "" undoes a lower file's list (all of them).
ResourceKey CpuListKey(std::string_view name, std::optional<std::string> Resources::*field, const char* what) {
    return {name,
            [field, what](const toml::node& value, const std::string& path, Resources& r, Problems& problems) {
                std::optional<std::string> text = ReadString(value, path, problems);
                if (!text)
                    return;
                if (text->empty())
                    (r.*field).reset();
                else if (IsCpuList(*text))
                    r.*field = *text;
                else
                    problems.Add(value, path,
                                 std::string("expected a list of ") + what + " and ranges such as \"0-1,3\", got " +
                                     Quoted(*text));
            },
            [field](const Resources& r) -> std::optional<std::string> {
                if (!(r.*field))
                    return std::nullopt;
                return Quote(*(r.*field));
            }};
}

// hugepages_max = { "2MB" = "1G" }: a size per page size; "max" removes a lower file's limit of that size.
ResourceKey HugepagesKey() {
    return {"hugepages_max",
            [](const toml::node& value, const std::string& path, Resources& r, Problems& problems) {
                const toml::table* table = value.as_table();
                if (table == nullptr) {
                    problems.Add(value, path,
                                 "expected a table of page sizes and sizes such as { \"2MB\" = \"1G\" }, got " +
                                     DescribeNode(value));
                    return;
                }
                for (const auto& [key, limit] : *table) {
                    const std::string page_size(key.str());
                    const std::string limit_path = SubKeyPath(path, page_size);
                    if (!IsHugepageSize(page_size)) {
                        problems.Add(key.source(), limit_path,
                                     "expected a huge page size as the kernel names it (\"2MB\", \"1GB\"), got " +
                                         Quoted(page_size));
                        continue;
                    }
                    bool unlimited = false;
                    if (std::optional<ByteSize> size = ReadSize(limit, limit_path, 0, unlimited, problems))
                        r.hugepage_limits[page_size] = *size;
                    else if (unlimited)
                        r.hugepage_limits.erase(page_size);
                }
            },
            [](const Resources& r) -> std::optional<std::string> {
                if (r.hugepage_limits.empty())
                    return std::nullopt;
                std::string out = "{ ";
                for (const auto& [page_size, limit] : r.hugepage_limits)
                    out += (out.size() > 2 ? ", " : "") + Quote(page_size) + " = " + Quote(FormatByteSize(limit));
                return out + " }";
            }};
}

// unified = { "memory.oom.group" = "1" }: cgroup v2 files and the text written to them, as OCI's linux.resources.unified.
ResourceKey UnifiedKey() {
    return {"unified",
            [](const toml::node& value, const std::string& path, Resources& r, Problems& problems) {
                const toml::table* table = value.as_table();
                if (table == nullptr) {
                    problems.Add(value, path,
                                 "expected a table of cgroup v2 files and values such as { \"memory.oom.group\" = "
                                 "\"1\" }, got " + DescribeNode(value));
                    return;
                }
                for (const auto& [key, text] : *table) {
                    const std::string file(key.str());
                    const std::string file_path = SubKeyPath(path, file);
                    if (!IsUnifiedFileName(file)) {
                        problems.Add(key.source(), file_path,
                                     "expected a cgroup v2 file name, controller.file such as \"memory.high\", got " +
                                         Quoted(file));
                        continue;
                    }
                    if (std::optional<std::string> written = ReadString(text, file_path, problems))
                        r.unified[file] = *written;
                }
            },
            [](const Resources& r) -> std::optional<std::string> {
                if (r.unified.empty())
                    return std::nullopt;
                std::string out = "{ ";
                for (const auto& [file, text] : r.unified)
                    out += (out.size() > 2 ? ", " : "") + Quote(file) + " = " + Quote(text);
                return out + " }";
            }};
}

std::optional<std::optional<int64_t>> ReadDeviceNumber(const toml::table& table, const char* key,
                                                       const std::string& path, int64_t max, Problems& problems) {
    const toml::node* node = table.get(key);
    if (node == nullptr)
        return std::optional<int64_t>{};
    if (const toml::value<std::string>* text = node->as_string(); text && text->get() == "*")
        return std::optional<int64_t>{};
    if (const toml::value<int64_t>* number = node->as_integer(); number && number->get() >= 0 && number->get() <= max)
        return std::optional<int64_t>{number->get()};
    problems.Add(*node, KeyPath(path, key),
                 "expected an integer from 0 to " + std::to_string(max) + " or \"*\" (any), got " + DescribeNode(*node));
    return std::nullopt;
}

std::optional<DeviceRule> ReadDeviceRule(const toml::table& table, const std::string& path, Problems& problems) {
    CheckKeys(table, path, {"allow", "type", "major", "minor", "access"}, problems);
    DeviceRule rule;
    bool ok = true;
    if (const toml::node* allow = table.get("allow")) {
        std::optional<bool> value = ReadBool(*allow, KeyPath(path, "allow"), problems);
        ok = ok && value.has_value();
        if (value)
            rule.allow = *value;
    } else {
        problems.Add(table, KeyPath(path, "allow"), "required key missing; expected true (allow) or false (deny)");
        ok = false;
    }
    if (const toml::node* type = table.get("type")) {
        std::optional<std::string> value = ReadChoice(*type, KeyPath(path, "type"), {"a", "c", "b"}, problems);
        ok = ok && value.has_value();
        if (value)
            rule.type = value->front();
    }
    std::optional<std::optional<int64_t>> major = ReadDeviceNumber(table, "major", path, 4095, problems);
    std::optional<std::optional<int64_t>> minor = ReadDeviceNumber(table, "minor", path, 1048575, problems);
    ok = ok && major.has_value() && minor.has_value();
    if (major && minor) {
        rule.major = *major;
        rule.minor = *minor;
        if (rule.type == 'a' && (rule.major || rule.minor)) {
            problems.Add(table, path, "a rule for all devices (type \"a\") can't name a major or minor number");
            ok = false;
        }
    }
    if (const toml::node* access = table.get("access")) {
        std::optional<std::string> value = ReadString(*access, KeyPath(path, "access"), problems);
        bool valid = value && !value->empty() && value->size() <= 3;
        for (size_t i = 0; valid && i < value->size(); ++i)
            valid = std::string_view("rwm").find((*value)[i]) != std::string_view::npos &&
                    value->find((*value)[i]) == i;
        if (value && !valid)
            problems.Add(*access, KeyPath(path, "access"),
                         "expected some of r (read), w (write), m (mknod) such as \"rw\", got " + Quoted(*value));
        ok = ok && valid;
        if (valid)
            rule.access = *value;
    }
    if (!ok)
        return std::nullopt;
    return rule;
}

std::string FormatDeviceRules(const std::vector<DeviceRule>& rules) {
    std::string out = "[";
    for (const DeviceRule& rule : rules) {
        out += "\n    { allow = " + std::string(Bool(rule.allow)) + ", type = " + Quote(std::string(1, rule.type));
        if (rule.major)
            out += ", major = " + std::to_string(*rule.major);
        if (rule.minor)
            out += ", minor = " + std::to_string(*rule.minor);
        out += ", access = " + Quote(rule.access) + " },";
    }
    return out + (rules.empty() ? "]" : "\n]");
}

// Always written: an empty list replaces the default rules.
ResourceKey DevicesKey() {
    return {"devices",
            [](const toml::node& value, const std::string& path, Resources& r, Problems& problems) {
                const toml::array* array = value.as_array();
                if (array == nullptr) {
                    problems.Add(value, path,
                                 "expected an array of tables ([[resources.devices]]), got " + DescribeNode(value));
                    return;
                }
                std::vector<DeviceRule> rules;
                for (size_t i = 0; i < array->size(); ++i) {
                    std::string rule_path = IndexPath(path, i);
                    if (const toml::table* rule_table = ReadTable((*array)[i], rule_path, problems))
                        if (std::optional<DeviceRule> rule = ReadDeviceRule(*rule_table, rule_path, problems))
                            rules.push_back(*rule);
                }
                if (rules.size() == array->size())
                    r.devices = std::move(rules);
            },
            [](const Resources& r) { return FormatDeviceRules(r.devices); }};
}

}  // namespace

const KeyTable<Resources>& ResourceKeys() {
    static const KeyTable<Resources> keys = {
        SizeKey("memory_max", &Resources::memory_max, kMinMemoryLimit),
        SizeKey("memory_high", &Resources::memory_high, kMinMemoryLimit),
        SizeKey("memory_swap_max", &Resources::memory_swap_max),
        SizeKey("memory_low", &Resources::memory_low),
        IntegerKey("memory_swappiness", &Resources::memory_swappiness, 0, 100),
        OomKillDisableKey(),
        IntegerKey("cpu_weight", &Resources::cpu_weight, 1, 10000),
        CpuQuotaKey(),
        TasksMaxKey(),
        IntegerKey("io_weight", &Resources::io_weight, 1, 10000),
        CpuListKey("allowed_cpus", &Resources::allowed_cpus, "CPUs"),
        CpuListKey("allowed_mems", &Resources::allowed_mems, "memory nodes"),
        HugepagesKey(),
        UnifiedKey(),
        DevicesKey(),
    };
    return keys;
}

void ApplyResources(const toml::node& node, Resources& resources, Problems& problems) {
    if (const toml::table* table = ReadTable(node, "resources", problems))
        ApplyKeys(*table, "resources", ResourceKeys(), resources, problems);
}

}  // namespace berth::config
