#pragma once
// A TOML section as one table: each key's name, how its value is read onto the model and how it
// is written back. The schema (ApplyKeys: the key list and the reading) and the formatter
// (FormatKeys) walk the same table, so a key in the table is checked, read and printed, and a key
// can't be read but forgotten by show-config and the stored configuration.
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "config/toml_values.hpp"
#include "config/toml_write.hpp"
#include "config/units.hpp"

namespace berth::config {

template <typename Section>
struct Key {
    std::string_view name;
    // Reads the value at `path` onto the section, or records a problem.
    std::function<void(const toml::node& value, const std::string& path, Section& section, Problems& problems)> apply;
    // The value as TOML, read back equal by `apply`; nothing for a value left unset (a limit not
    // given), which then is not written at all.
    std::function<std::optional<std::string>(const Section& section)> format;
};

template <typename Section>
using KeyTable = std::vector<Key<Section>>;

// Checks `table`'s keys against the table's (and `other_keys`, the sections read elsewhere), then
// applies every key given.
template <typename Section>
void ApplyKeys(const toml::table& table, const std::string& prefix, const KeyTable<Section>& keys, Section& section,
               Problems& problems, const std::vector<std::string_view>& other_keys = {}) {
    std::vector<std::string_view> known = other_keys;
    for (const Key<Section>& key : keys)
        known.push_back(key.name);
    CheckKeys(table, prefix, known, problems);
    for (const Key<Section>& key : keys)
        if (const toml::node* value = table.get(key.name))
            key.apply(*value, KeyPath(prefix, key.name), section, problems);
}

// "name = value" for every key of the table that has a value, in the table's order.
template <typename Section>
void FormatKeys(std::ostream& out, const KeyTable<Section>& keys, const Section& section) {
    for (const Key<Section>& key : keys)
        if (std::optional<std::string> value = key.format(section))
            out << key.name << " = " << *value << "\n";
}

template <typename Section>
Key<Section> BoolKey(std::string_view name, bool Section::*field) {
    return {name,
            [field](const toml::node& value, const std::string& path, Section& section, Problems& problems) {
                if (std::optional<bool> b = ReadBool(value, path, problems))
                    section.*field = *b;
            },
            [field](const Section& section) { return std::string(Bool(section.*field)); }};
}

template <typename Section>
Key<Section> ChoiceKey(std::string_view name, std::string Section::*field, std::vector<std::string_view> choices) {
    return {name,
            [field, choices](const toml::node& value, const std::string& path, Section& section, Problems& problems) {
                if (std::optional<std::string> choice = ReadChoice(value, path, choices, problems))
                    section.*field = *choice;
            },
            [field](const Section& section) { return Quote(section.*field); }};
}

// A duration ("30s"); with a `zero_reason`, 0 is refused with it.
template <typename Section>
Key<Section> DurationKey(std::string_view name, Duration Section::*field, const char* zero_reason = nullptr) {
    return {name,
            [field, zero_reason](const toml::node& value, const std::string& path, Section& section, Problems& problems) {
                std::optional<Duration> duration = ReadDuration(value, path, problems);
                if (duration && zero_reason != nullptr && duration->count() <= 0)
                    problems.Add(value, path, zero_reason);
                else if (duration)
                    section.*field = *duration;
            },
            [field](const Section& section) { return Quote(FormatDuration(section.*field)); }};
}

template <typename Section>
Key<Section> AbsolutePathsKey(std::string_view name, std::vector<std::string> Section::*field) {
    return {name,
            [field](const toml::node& value, const std::string& path, Section& section, Problems& problems) {
                if (std::optional<std::vector<std::string>> paths = ReadAbsolutePathArray(value, path, problems))
                    section.*field = std::move(*paths);
            },
            [field](const Section& section) { return StringList(section.*field); }};
}

}  // namespace berth::config
