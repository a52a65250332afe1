// [resources]: cgroup limits and the device access rules.
#include <cctype>

#include "config/schema_parts.hpp"
#include "config/toml_values.hpp"
#include "config/units.hpp"

namespace berth::config {
namespace {

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }

// Sizes: "512M", "2G", a number of bytes, or "max" for no limit (undoes a lower file's limit).
void ReadSize(const toml::table& table, const char* key, std::optional<ByteSize>& target, Problems& problems,
              uint64_t minimum = 0) {
    const toml::node* node = table.get(key);
    if (node == nullptr)
        return;
    std::string path = KeyPath("resources", key);
    std::string expected = "expected a size such as \"512M\", \"2G\", a number of bytes or \"max\"";
    std::optional<ByteSize> size;
    if (const toml::value<int64_t>* number = node->as_integer()) {
        if (number->get() < 0)
            problems.Add(*node, path, expected + ", got " + std::to_string(number->get()));
        else
            size = ByteSize{static_cast<uint64_t>(number->get())};
    } else if (const toml::value<std::string>* text = node->as_string(); text && text->get() == "max") {
        target.reset();
        return;
    } else if (text == nullptr) {
        problems.Add(*node, path, expected + ", got " + DescribeNode(*node));
    } else {
        try {
            size = ParseByteSize(text->get());
        } catch (const UnitError& e) {
            problems.Add(*node, path, expected + ", got " + Quoted(text->get()) + " (" + e.what() + ")");
        }
    }
    if (size && size->bytes < minimum)
        problems.Add(*node, path,
                     "expected at least " + FormatByteSize(ByteSize{minimum}) +
                         " (a container cannot start with less), got " + FormatByteSize(*size));
    else if (size)
        target = size;
}

void ReadWeight(const toml::table& table, const char* key, std::optional<uint64_t>& target, Problems& problems) {
    if (const toml::node* node = table.get(key))
        if (std::optional<int64_t> value = ReadInteger(*node, KeyPath("resources", key), 1, 10000, problems))
            target = static_cast<uint64_t>(*value);
}

void ReadCpuQuota(const toml::table& table, Resources& resources, Problems& problems) {
    const toml::node* node = table.get("cpu_quota");
    if (node == nullptr)
        return;
    std::string expected = "expected a percentage of one CPU such as \"150%\", or \"max\"";
    const toml::value<std::string>* text = node->as_string();
    if (text == nullptr) {
        problems.Add(*node, "resources.cpu_quota", expected + ", got " + DescribeNode(*node));
        return;
    }
    if (text->get() == "max") {
        resources.cpu_quota.reset();
        return;
    }
    try {
        resources.cpu_quota = ParseCpuQuota(text->get());
    } catch (const UnitError& e) {
        problems.Add(*node, "resources.cpu_quota", expected + ", got " + Quoted(text->get()) + " (" + e.what() + ")");
    }
}

void ReadTasksMax(const toml::table& table, Resources& resources, Problems& problems) {
    const toml::node* node = table.get("tasks_max");
    if (node == nullptr)
        return;
    if (const toml::value<std::string>* text = node->as_string(); text && text->get() == "max") {
        resources.tasks_max.reset();
        return;
    }
    if (const toml::value<int64_t>* number = node->as_integer(); number && number->get() >= 1) {
        resources.tasks_max = static_cast<uint64_t>(number->get());
        return;
    }
    problems.Add(*node, "resources.tasks_max", "expected a positive integer or \"max\", got " + DescribeNode(*node));
}

// "0-3,5,7-8": CPU numbers and ascending ranges.
bool IsCpuList(const std::string& text) {
    size_t i = 0;
    auto number = [&](long& out) {
        size_t start = i;
        out = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && i - start < 6)
            out = out * 10 + (text[i++] - '0');
        return i > start && (i == text.size() || !std::isdigit(static_cast<unsigned char>(text[i])));
    };
    while (true) {
        long first = 0;
        if (!number(first))
            return false;
        if (i < text.size() && text[i] == '-') {
            ++i;
            long last = 0;
            if (!number(last) || last < first)
                return false;
        }
        if (i == text.size())
            return true;
        if (text[i++] != ',')
            return false;
    }
}

void ReadAllowedCpus(const toml::table& table, Resources& resources, Problems& problems) {
    const toml::node* node = table.get("allowed_cpus");
    if (node == nullptr)
        return;
    std::optional<std::string> text = ReadString(*node, "resources.allowed_cpus", problems);
    if (!text)
        return;
    if (text->empty()) {
        resources.allowed_cpus.reset();
    } else if (IsCpuList(*text)) {
        resources.allowed_cpus = *text;
    } else {
        problems.Add(*node, "resources.allowed_cpus",
                     "expected a list of CPUs and ranges such as \"0-1,3\", got " + Quoted(*text));
    }
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

void ReadDeviceRules(const toml::table& table, Resources& resources, Problems& problems) {
    const toml::node* node = table.get("devices");
    if (node == nullptr)
        return;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        problems.Add(*node, "resources.devices",
                     "expected an array of tables ([[resources.devices]]), got " + DescribeNode(*node));
        return;
    }
    std::vector<DeviceRule> rules;
    for (size_t i = 0; i < array->size(); ++i) {
        std::string path = IndexPath("resources.devices", i);
        if (const toml::table* rule_table = ReadTable((*array)[i], path, problems))
            if (std::optional<DeviceRule> rule = ReadDeviceRule(*rule_table, path, problems))
                rules.push_back(*rule);
    }
    if (rules.size() == array->size())
        resources.devices = std::move(rules);
}

}  // namespace

void ApplyResources(const toml::node& node, Resources& resources, Problems& problems) {
    const toml::table* table = ReadTable(node, "resources", problems);
    if (table == nullptr)
        return;
    CheckKeys(*table, "resources",
              {"memory_max", "memory_high", "memory_swap_max", "cpu_weight", "cpu_quota", "tasks_max", "io_weight",
               "allowed_cpus", "devices"},
              problems);
    ReadSize(*table, "memory_max", resources.memory_max, problems, kMinMemoryLimit);
    ReadSize(*table, "memory_high", resources.memory_high, problems, kMinMemoryLimit);
    ReadSize(*table, "memory_swap_max", resources.memory_swap_max, problems);
    ReadWeight(*table, "cpu_weight", resources.cpu_weight, problems);
    ReadWeight(*table, "io_weight", resources.io_weight, problems);
    ReadCpuQuota(*table, resources, problems);
    ReadTasksMax(*table, resources, problems);
    ReadAllowedCpus(*table, resources, problems);
    ReadDeviceRules(*table, resources, problems);
}

}  // namespace berth::config
