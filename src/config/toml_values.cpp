#include "config/toml_values.hpp"

#include "config/units.hpp"

namespace berth::config {
namespace {

std::string ListChoices(const std::vector<std::string_view>& choices) {
    std::string out;
    for (size_t i = 0; i < choices.size(); ++i) {
        if (i > 0)
            out += i + 1 == choices.size() ? " or " : ", ";
        out += std::string(choices[i]);
    }
    return out;
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

std::string KeyPath(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

std::string IndexPath(const std::string& prefix, size_t index) { return prefix + "[" + std::to_string(index) + "]"; }

std::string DescribeNode(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string: return Quote(node.as_string()->get());
        case toml::node_type::integer: return "the integer " + std::to_string(node.as_integer()->get());
        case toml::node_type::floating_point: return "a floating-point number";
        case toml::node_type::boolean: return node.as_boolean()->get() ? "true" : "false";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        case toml::node_type::array: return "an array";
        case toml::node_type::table: return "a table";
        case toml::node_type::none: break;
    }
    return "nothing";
}

void CheckKeys(const toml::table& table, const std::string& prefix, const std::vector<std::string_view>& known,
               Problems& problems) {
    for (auto&& [key, value] : table) {
        bool found = false;
        for (std::string_view k : known)
            found = found || key.str() == k;
        if (!found)
            problems.Add(key.source(), KeyPath(prefix, key.str()), "unknown key; expected " + ListChoices(known));
    }
}

const toml::table* ReadTable(const toml::node& node, const std::string& path, Problems& problems) {
    if (const toml::table* table = node.as_table())
        return table;
    problems.Add(node, path, "expected a table, got " + DescribeNode(node));
    return nullptr;
}

const toml::array* ReadArray(const toml::node& node, const std::string& path, Problems& problems) {
    if (const toml::array* array = node.as_array())
        return array;
    problems.Add(node, path, "expected an array, got " + DescribeNode(node));
    return nullptr;
}

std::optional<std::string> ReadString(const toml::node& node, const std::string& path, Problems& problems) {
    if (const toml::value<std::string>* value = node.as_string()) {
        if (value->get().find('\0') != std::string::npos) {
            problems.Add(node, path, "expected a string without NUL characters");
            return std::nullopt;
        }
        return value->get();
    }
    problems.Add(node, path, "expected a string, got " + DescribeNode(node));
    return std::nullopt;
}

std::optional<bool> ReadBool(const toml::node& node, const std::string& path, Problems& problems) {
    if (const toml::value<bool>* value = node.as_boolean())
        return value->get();
    problems.Add(node, path, "expected true or false, got " + DescribeNode(node));
    return std::nullopt;
}

std::optional<int64_t> ReadInteger(const toml::node& node, const std::string& path, int64_t min, int64_t max,
                                   Problems& problems) {
    std::string expected = "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
    const toml::value<int64_t>* value = node.as_integer();
    if (value == nullptr) {
        problems.Add(node, path, expected + ", got " + DescribeNode(node));
        return std::nullopt;
    }
    if (value->get() < min || value->get() > max) {
        problems.Add(node, path, expected + ", got " + std::to_string(value->get()));
        return std::nullopt;
    }
    return value->get();
}

bool IsAbsolutePath(std::string_view path) {
    if (path.empty() || path.front() != '/')
        return false;
    size_t start = 0;
    while (start < path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos)
            end = path.size();
        if (path.substr(start, end - start) == "..")
            return false;
        start = end + 1;
    }
    return true;
}

std::optional<std::string> ReadAbsolutePath(const toml::node& node, const std::string& path, Problems& problems) {
    if (!node.is_string()) {
        problems.Add(node, path, "expected an absolute path, got " + DescribeNode(node));
        return std::nullopt;
    }
    std::optional<std::string> text = ReadString(node, path, problems);
    if (!text)
        return std::nullopt;
    if (!IsAbsolutePath(*text)) {
        problems.Add(node, path, "expected an absolute path (starting with \"/\", without \"..\"), got " + Quote(*text));
        return std::nullopt;
    }
    return text;
}

namespace {

// An array whose every element `read_element` accepts; each bad element is reported at its index.
template <typename ReadElement>
std::optional<std::vector<std::string>> ReadArrayOf(const toml::node& node, const std::string& path,
                                                    const std::string& expected, ReadElement read_element,
                                                    Problems& problems) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
        problems.Add(node, path, "expected " + expected + ", got " + DescribeNode(node));
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (size_t i = 0; i < array->size(); ++i) {
        std::optional<std::string> text = read_element((*array)[i], IndexPath(path, i), problems);
        ok = ok && text.has_value();
        if (text)
            out.push_back(std::move(*text));
    }
    if (!ok)
        return std::nullopt;
    return out;
}

}  // namespace

std::optional<std::vector<std::string>> ReadStringArray(const toml::node& node, const std::string& path,
                                                        Problems& problems) {
    return ReadArrayOf(node, path, "an array of strings", ReadString, problems);
}

std::optional<std::vector<std::string>> ReadAbsolutePathArray(const toml::node& node, const std::string& path,
                                                              Problems& problems) {
    return ReadArrayOf(node, path, "an array of absolute paths", ReadAbsolutePath, problems);
}

std::optional<std::string> ReadChoice(const toml::node& node, const std::string& path,
                                      const std::vector<std::string_view>& choices, Problems& problems) {
    std::vector<std::string> quoted;
    std::vector<std::string_view> views;
    for (std::string_view choice : choices)
        quoted.push_back(Quote(choice));
    for (const std::string& q : quoted)
        views.push_back(q);
    std::string expected = "expected " + ListChoices(views);
    if (const toml::value<std::string>* value = node.as_string()) {
        for (std::string_view choice : choices)
            if (value->get() == choice)
                return value->get();
    }
    problems.Add(node, path, expected + ", got " + DescribeNode(node));
    return std::nullopt;
}

std::optional<Duration> ReadDuration(const toml::node& node, const std::string& path, Problems& problems) {
    std::string expected = "expected a duration such as \"30s\", \"500ms\", \"2min\" or \"1h\"";
    const toml::value<std::string>* value = node.as_string();
    if (value == nullptr) {
        problems.Add(node, path, expected + ", got " + DescribeNode(node));
        return std::nullopt;
    }
    try {
        return ParseDuration(value->get());
    } catch (const UnitError& e) {
        problems.Add(node, path, expected + ", got " + Quote(value->get()) + " (" + e.what() + ")");
        return std::nullopt;
    }
}

}  // namespace berth::config
