#pragma once
// Checked reading of TOML values: each reader returns the value, or records a problem naming the
// key path and what was expected and returns nullopt.
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.hpp"
#include "config/problems.hpp"

namespace berth::config {

// "resources" + "memory_max" -> "resources.memory_max"; "" + "hostname" -> "hostname".
std::string KeyPath(const std::string& prefix, std::string_view key);
// "mounts" + 2 -> "mounts[2]".
std::string IndexPath(const std::string& prefix, size_t index);

// What a node holds, for "got ...": "an integer", "a table", or a string's quoted text.
std::string DescribeNode(const toml::node& node);

// Records every key of `table` not in `known`; `expected` describes the allowed keys.
void CheckKeys(const toml::table& table, const std::string& prefix, const std::vector<std::string_view>& known,
               Problems& problems);

const toml::table* ReadTable(const toml::node& node, const std::string& path, Problems& problems);
const toml::array* ReadArray(const toml::node& node, const std::string& path, Problems& problems);
std::optional<std::string> ReadString(const toml::node& node, const std::string& path, Problems& problems);
std::optional<bool> ReadBool(const toml::node& node, const std::string& path, Problems& problems);
std::optional<int64_t> ReadInteger(const toml::node& node, const std::string& path, int64_t min, int64_t max,
                                   Problems& problems);
// An absolute path without ".." components.
std::optional<std::string> ReadAbsolutePath(const toml::node& node, const std::string& path, Problems& problems);
std::optional<std::vector<std::string>> ReadStringArray(const toml::node& node, const std::string& path,
                                                        Problems& problems);
std::optional<std::vector<std::string>> ReadAbsolutePathArray(const toml::node& node, const std::string& path,
                                                              Problems& problems);
// One of `choices`, exactly.
std::optional<std::string> ReadChoice(const toml::node& node, const std::string& path,
                                      const std::vector<std::string_view>& choices, Problems& problems);
std::optional<Duration> ReadDuration(const toml::node& node, const std::string& path, Problems& problems);

bool IsAbsolutePath(std::string_view path);

}  // namespace berth::config
