// [[mounts]] and [[devices]]: extra mounts and device nodes on top of the system ones.
#include <algorithm>
#include <map>

#include "config/schema_parts.hpp"
#include "config/toml_values.hpp"

namespace berth::config {
namespace {

// "/a//b/" -> "/a/b", so two spellings of one destination are caught as duplicates.
std::string NormalizePath(const std::string& path) {
    std::string out;
    for (char c : path)
        if (!(c == '/' && !out.empty() && out.back() == '/'))
            out += c;
    while (out.size() > 1 && out.back() == '/')
        out.pop_back();
    return out;
}

void MissingKey(const toml::node& element, const std::string& path, const std::string& expected, Problems& problems) {
    problems.Add(element, path, "required key missing; expected " + expected);
}

std::optional<MountConfig> ReadMount(const toml::table& table, const std::string& path, Problems& problems) {
    CheckKeys(table, path, {"source", "destination", "type", "options"}, problems);
    MountConfig mount;
    bool ok = true;
    if (const toml::node* options = table.get("options")) {
        std::optional<std::vector<std::string>> value = ReadStringArray(*options, KeyPath(path, "options"), problems);
        ok = ok && value.has_value();
        if (value) {
            for (size_t i = 0; i < value->size(); ++i)
                if ((*value)[i].empty()) {
                    problems.Add(*options->as_array()->get(i), IndexPath(KeyPath(path, "options"), i),
                                 "expected a mount option such as \"ro\", \"nosuid\" or \"mode=755\", got \"\"");
                    ok = false;
                }
            mount.options = std::move(*value);
        }
    }
    if (const toml::node* type = table.get("type")) {
        std::optional<std::string> value = ReadString(*type, KeyPath(path, "type"), problems);
        if (value && value->empty()) {
            problems.Add(*type, KeyPath(path, "type"), "expected a file system type such as \"bind\" or \"tmpfs\", got \"\"");
            value.reset();
        }
        ok = ok && value.has_value();
        if (value)
            mount.type = *value;
    } else {
        MissingKey(table, KeyPath(path, "type"), "a file system type such as \"bind\", \"tmpfs\" or \"proc\"", problems);
        ok = false;
    }
    bool bind = mount.type == "bind" || std::any_of(mount.options.begin(), mount.options.end(), [](const std::string& o) {
                    return o == "bind" || o == "rbind";
                });
    if (const toml::node* source = table.get("source")) {
        std::optional<std::string> value = bind ? ReadAbsolutePath(*source, KeyPath(path, "source"), problems)
                                                : ReadString(*source, KeyPath(path, "source"), problems);
        ok = ok && value.has_value();
        if (value)
            mount.source = *value;
    } else if (bind) {
        MissingKey(table, KeyPath(path, "source"), "the absolute host path to bind mount", problems);
        ok = false;
    } else {
        mount.source = mount.type;  // what mount(8) shows for "none"-style file systems
    }
    if (const toml::node* destination = table.get("destination")) {
        std::optional<std::string> value = ReadAbsolutePath(*destination, KeyPath(path, "destination"), problems);
        ok = ok && value.has_value();
        if (value)
            mount.destination = *value;
    } else {
        MissingKey(table, KeyPath(path, "destination"), "an absolute path inside the container", problems);
        ok = false;
    }
    if (!ok)
        return std::nullopt;
    return mount;
}

std::optional<DeviceConfig> ReadDevice(const toml::table& table, const std::string& path, Problems& problems) {
    CheckKeys(table, path, {"path", "type", "major", "minor", "file_mode", "uid", "gid"}, problems);
    DeviceConfig device;
    bool ok = true;
    if (const toml::node* node = table.get("path")) {
        std::optional<std::string> value = ReadAbsolutePath(*node, KeyPath(path, "path"), problems);
        ok = ok && value.has_value();
        if (value)
            device.path = *value;
    } else {
        MissingKey(table, KeyPath(path, "path"), "the absolute path of the node inside the container", problems);
        ok = false;
    }
    if (const toml::node* node = table.get("type")) {
        std::optional<std::string> value = ReadChoice(*node, KeyPath(path, "type"), {"c", "b", "p"}, problems);
        ok = ok && value.has_value();
        if (value)
            device.type = value->front();
    } else {
        MissingKey(table, KeyPath(path, "type"), "\"c\" (character device), \"b\" (block device) or \"p\" (FIFO)",
                   problems);
        ok = false;
    }
    // Linux device numbers: 12-bit major, 20-bit minor.
    std::pair<const char*, std::pair<int64_t*, int64_t>> numbers[] = {
        {"major", {&device.major, 4095}},
        {"minor", {&device.minor, 1048575}},
    };
    for (auto& [key, target] : numbers) {
        if (const toml::node* node = table.get(key)) {
            std::optional<int64_t> value = ReadInteger(*node, KeyPath(path, key), 0, target.second, problems);
            ok = ok && value.has_value();
            if (value)
                *target.first = *value;
        } else if (device.type != 'p') {  // a FIFO has no device number
            MissingKey(table, KeyPath(path, key), "an integer from 0 to " + std::to_string(target.second), problems);
            ok = false;
        }
    }
    if (const toml::node* node = table.get("file_mode")) {
        std::optional<int64_t> value = ReadInteger(*node, KeyPath(path, "file_mode"), 0, 07777, problems);
        ok = ok && value.has_value();
        if (value)
            device.file_mode = static_cast<uint32_t>(*value);
    }
    if (const toml::node* node = table.get("uid")) {
        std::optional<int64_t> value = ReadInteger(*node, KeyPath(path, "uid"), 0, kMaxId, problems);
        ok = ok && value.has_value();
        if (value)
            device.uid = static_cast<uid_t>(*value);
    }
    if (const toml::node* node = table.get("gid")) {
        std::optional<int64_t> value = ReadInteger(*node, KeyPath(path, "gid"), 0, kMaxId, problems);
        ok = ok && value.has_value();
        if (value)
            device.gid = static_cast<gid_t>(*value);
    }
    if (!ok)
        return std::nullopt;
    return device;
}

}  // namespace

void ApplyMounts(const toml::node& node, std::vector<MountConfig>& mounts, Problems& problems) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
        problems.Add(node, "mounts", "expected an array of tables ([[mounts]]), got " + DescribeNode(node));
        return;
    }
    std::vector<MountConfig> out;
    std::map<std::string, size_t> destinations;
    for (size_t i = 0; i < array->size(); ++i) {
        std::string path = IndexPath("mounts", i);
        const toml::table* table = ReadTable((*array)[i], path, problems);
        if (table == nullptr)
            continue;
        std::optional<MountConfig> mount = ReadMount(*table, path, problems);
        if (!mount)
            continue;
        auto [it, inserted] = destinations.emplace(NormalizePath(mount->destination), i);
        if (!inserted) {
            problems.Add(*table->get("destination"), KeyPath(path, "destination"),
                         "duplicate mount destination \"" + mount->destination + "\"; mounts[" +
                             std::to_string(it->second) + "] already mounts there");
            continue;
        }
        out.push_back(std::move(*mount));
    }
    if (out.size() == array->size())
        mounts = std::move(out);
}

void ApplyDevices(const toml::node& node, std::vector<DeviceConfig>& devices, Problems& problems) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
        problems.Add(node, "devices", "expected an array of tables ([[devices]]), got " + DescribeNode(node));
        return;
    }
    std::vector<DeviceConfig> out;
    std::map<std::string, size_t> paths;
    for (size_t i = 0; i < array->size(); ++i) {
        std::string path = IndexPath("devices", i);
        const toml::table* table = ReadTable((*array)[i], path, problems);
        if (table == nullptr)
            continue;
        std::optional<DeviceConfig> device = ReadDevice(*table, path, problems);
        if (!device)
            continue;
        auto [it, inserted] = paths.emplace(NormalizePath(device->path), i);
        if (!inserted) {
            problems.Add(*table->get("path"), KeyPath(path, "path"),
                         "duplicate device path \"" + device->path + "\"; devices[" + std::to_string(it->second) +
                             "] already creates it");
            continue;
        }
        out.push_back(std::move(*device));
    }
    if (out.size() == array->size())
        devices = std::move(out);
}

}  // namespace berth::config
