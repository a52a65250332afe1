#include "oci/json_reader.hpp"

#include <cerrno>
#include <limits>

#include "util/error.hpp"

namespace berth::oci {

std::string MemberPath(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::string IndexPath(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }

void TypeError(const std::string& path, const std::string& expected) {
    throw Error("config.json: " + path + ": expected " + expected);
}

void Unsupported(const std::string& path, const std::string& why) {
    throw Error("config.json: " + path + ": not supported by Berth: " + why);
}

void Invalid(const std::string& path, const std::string& why) { throw Error("config.json: " + path + ": " + why); }

const Json* Member(const Json& object, const std::string& key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return nullptr;
    return &*it;
}

std::optional<std::string> OptString(const Json& object, const std::string& key, const std::string& path) {
    const Json* value = Member(object, key);
    if (!value)
        return std::nullopt;
    return AsString(*value, MemberPath(path, key));
}

std::optional<bool> OptBool(const Json& object, const std::string& key, const std::string& path) {
    const Json* value = Member(object, key);
    if (!value)
        return std::nullopt;
    if (!value->is_boolean())
        TypeError(MemberPath(path, key), "a boolean");
    return value->get<bool>();
}

std::optional<int64_t> OptInt(const Json& object, const std::string& key, const std::string& path) {
    const Json* value = Member(object, key);
    if (!value)
        return std::nullopt;
    if (value->is_number_integer())
        return value->get<int64_t>();
    if (value->is_number_unsigned() && value->get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max()))
        return static_cast<int64_t>(value->get<uint64_t>());
    TypeError(MemberPath(path, key), "an integer");
}

std::optional<uint64_t> OptUint(const Json& object, const std::string& key, const std::string& path) {
    const Json* value = Member(object, key);
    if (!value)
        return std::nullopt;
    if (value->is_number_unsigned())
        return value->get<uint64_t>();
    if (value->is_number_integer() && value->get<int64_t>() >= 0)
        return static_cast<uint64_t>(value->get<int64_t>());
    TypeError(MemberPath(path, key), "a non-negative integer");
}

const Json* OptObject(const Json& object, const std::string& key, const std::string& path) {
    const Json* value = Member(object, key);
    if (value && !value->is_object())
        TypeError(MemberPath(path, key), "an object");
    return value;
}

const Json* OptArray(const Json& object, const std::string& key, const std::string& path) {
    const Json* value = Member(object, key);
    if (value && !value->is_array())
        TypeError(MemberPath(path, key), "an array");
    return value;
}

std::vector<std::string> StringArray(const Json& object, const std::string& key, const std::string& path) {
    std::vector<std::string> items;
    const Json* array = OptArray(object, key, path);
    if (!array)
        return items;
    for (size_t i = 0; i < array->size(); ++i)
        items.push_back(AsString((*array)[i], IndexPath(MemberPath(path, key), i)));
    return items;
}

std::string AsString(const Json& value, const std::string& path) {
    if (!value.is_string())
        TypeError(path, "a string");
    return value.get<std::string>();
}

const Json& AsObject(const Json& value, const std::string& path) {
    if (!value.is_object())
        TypeError(path, "an object");
    return value;
}

}  // namespace berth::oci
