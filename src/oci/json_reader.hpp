#pragma once
// Typed reads of config.json members: absent (or null) members are nullopt, a member of the wrong
// type is an Error naming its JSON path ("config.json: process.args[2]: expected a string").
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::oci {

using Json = nlohmann::json;

// "process" + "args" -> "process.args"; "" + "root" -> "root".
std::string MemberPath(const std::string& path, const std::string& key);
// "process.args" + 2 -> "process.args[2]".
std::string IndexPath(const std::string& path, size_t index);

[[noreturn]] void TypeError(const std::string& path, const std::string& expected);
// A field Berth cannot honour: "config.json: PATH: not supported by Berth: WHY".
[[noreturn]] void Unsupported(const std::string& path, const std::string& why);
// A value the spec forbids: "config.json: PATH: WHY".
[[noreturn]] void Invalid(const std::string& path, const std::string& why);

// The member, or nullptr when absent or null. `object` must be an object.
const Json* Member(const Json& object, const std::string& key);

std::optional<std::string> OptString(const Json& object, const std::string& key, const std::string& path);
std::optional<bool> OptBool(const Json& object, const std::string& key, const std::string& path);
std::optional<int64_t> OptInt(const Json& object, const std::string& key, const std::string& path);
std::optional<uint64_t> OptUint(const Json& object, const std::string& key, const std::string& path);
// The member if it is an object (nullptr when absent); throws when it is something else.
const Json* OptObject(const Json& object, const std::string& key, const std::string& path);
const Json* OptArray(const Json& object, const std::string& key, const std::string& path);
// An array of strings (empty when absent).
std::vector<std::string> StringArray(const Json& object, const std::string& key, const std::string& path);
// The value itself as a string (for array items); throws naming path.
std::string AsString(const Json& value, const std::string& path);
// An object member's value as an object; throws naming path.
const Json& AsObject(const Json& value, const std::string& path);

}  // namespace berth::oci
