// linux.cgroupsPath onto config::CgroupLocation, in runc's two forms: "slice:prefix:name" for the
// systemd driver (the scope prefix-name.scope in slice), a cgroup path for cgroupfs.
#include <cctype>
#include <sstream>
#include <vector>

#include "oci/json_reader.hpp"
#include "oci/spec.hpp"

namespace berth::oci {
namespace {

constexpr const char* kPath = "linux.cgroupsPath";
constexpr const char* kDefaultSlice = "system.slice";  // runc's, for a root caller
constexpr size_t kUnitNameMax = 255;                   // systemd's UNIT_NAME_MAX - 1

std::vector<std::string> Split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, separator))
        parts.push_back(part);
    if (!text.empty() && text.back() == separator)
        parts.emplace_back();
    return parts;
}

// The characters systemd accepts in a unit name (unit_name_is_valid), and its length.
void RequireUnitName(const std::string& unit, const std::string& whole) {
    bool valid = unit.size() <= kUnitNameMax;
    for (char c : unit)
        valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' || c == '_' ||
                          c == '.' || c == '\\' || c == '@');
    if (!valid)
        Invalid(kPath, "'" + whole + "' gives the unit name '" + unit + "', which systemd does not accept");
}

config::CgroupLocation SystemdLocation(const std::string& path) {
    std::vector<std::string> parts = Split(path, ':');
    if (parts.size() != 3)
        Invalid(kPath, "expected slice:prefix:name with --systemd-cgroup, not '" + path + "'");
    const std::string& slice = parts[0];
    const std::string& prefix = parts[1];
    const std::string& name = parts[2];
    config::CgroupLocation location;
    if (slice.empty())
        location.slice = kDefaultSlice;
    else if (slice == "-")
        location.slice = "-.slice";  // the root slice
    else if (slice.size() <= 6 || slice.compare(slice.size() - 6, 6, ".slice") != 0 ||
             slice.find('/') != std::string::npos)
        Invalid(kPath, "the slice '" + slice + "' of '" + path + "' is no slice unit name (NAME.slice, no '/')");
    else
        location.slice = slice;
    if (name.empty())
        Invalid(kPath, "'" + path + "' names no container (slice:prefix:name)");
    if (name.size() > 6 && name.compare(name.size() - 6, 6, ".slice") == 0)
        Unsupported(kPath, "the name '" + name + "' asks for a slice unit; Berth runs a container in a scope");
    location.scope = (prefix.empty() ? "" : prefix + "-") + name + ".scope";
    RequireUnitName(location.slice, path);
    RequireUnitName(location.scope, path);
    return location;
}

config::CgroupLocation CgroupfsLocation(const std::string& path) {
    std::string clean;
    for (const std::string& part : Split(path, '/')) {
        if (part.empty() || part == ".")
            continue;
        if (part == "..")
            Invalid(kPath, "'" + path + "' climbs with '..'");
        clean += (clean.empty() ? "" : "/") + part;
    }
    if (clean.empty())
        Invalid(kPath, "'" + path + "' names no cgroup below the hierarchy's root");
    config::CgroupLocation location;
    location.path = path[0] == '/' ? "/" + clean : clean;
    return location;
}

}  // namespace

config::CgroupLocation ConvertCgroupsPath(const std::string& cgroups_path, bool systemd) {
    if (cgroups_path.empty())
        return {};
    return systemd ? SystemdLocation(cgroups_path) : CgroupfsLocation(cgroups_path);
}

}  // namespace berth::oci
