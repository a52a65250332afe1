#include "checkpoint/external_mounts.hpp"

#include <sys/mount.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "cgroup/cgroup_layout.hpp"

#include "util/file.hpp"

namespace berth::checkpoint {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& field) {
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const std::string digits = field.substr(i + 1, 3);
            if (digits.size() == 3 && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
                out += static_cast<char>(std::stoi(digits, nullptr, 8));
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

bool IsBind(const config::MountConfig& mount) {
    if (mount.type == "bind")
        return true;
    return std::find_if(mount.options.begin(), mount.options.end(),
                        [](const std::string& o) { return o == "bind" || o == "rbind"; }) != mount.options.end();
}

// A cgroup mount without a cgroup namespace binds the host's directories of the container's
// cgroups below `destination` (launch/cgroup_mount.hpp); CRIU cannot dump a sub-tree of a cgroup
// file system without its root, so (as runc does) each is external, sourced from the host path.
void AddCgroupBinds(const std::string& destination, const std::vector<MountInfoEntry>& mounts,
                    const std::function<void(const std::string&, const std::string&)>& add) {
    const cgroup::Layout layout = cgroup::DetectLayout();
    for (const MountInfoEntry& e : mounts) {
        if ((e.fs_type != "cgroup" && e.fs_type != "cgroup2") || e.root == "/" ||
            e.mount_point.compare(0, destination.size() + 1, destination + "/") != 0)
            continue;
        const std::string name = e.mount_point.substr(e.mount_point.rfind('/') + 1);
        for (const cgroup::Hierarchy& h : layout.hierarchies) {
            if (h.mount_point.substr(h.mount_point.rfind('/') + 1) != name)
                continue;
            const bool whole = h.root == "/" || h.root.empty();
            if (whole || e.root.compare(0, h.root.size(), h.root) == 0)
                add(e.mount_point, h.mount_point + (whole ? e.root : e.root.substr(h.root.size())));
            break;
        }
    }
}

}  // namespace

std::vector<MountInfoEntry> ParseMountInfo(const std::string& text) {
    std::vector<MountInfoEntry> entries;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point, options, field;
        if (!(fields >> id >> parent >> devno >> root >> mount_point >> options))
            continue;
        // Optional fields end with "-", then the filesystem type, the source and the super options.
        while (fields >> field && field != "-") {
        }
        std::string fs_type, source, super_options;
        fields >> fs_type >> source >> super_options;
        entries.push_back({std::atoi(id.c_str()), Unescape(root), Unescape(mount_point), fs_type, options, super_options});
    }
    return entries;
}

std::vector<MountInfoEntry> ReadMountInfo(pid_t pid) {
    return ParseMountInfo(ReadFile("/proc/" + std::to_string(pid) + "/mountinfo"));
}

std::vector<ExternalMount> ExternalMountsOf(const config::ContainerConfig& config,
                                            const std::vector<MountInfoEntry>& mounts,
                                            const std::function<bool(const std::string&)>& is_directory) {
    std::set<std::string> mount_points;
    for (const MountInfoEntry& m : mounts)
        mount_points.insert(m.mount_point);
    std::vector<ExternalMount> external;
    std::set<std::string> seen;
    auto add = [&](const std::string& destination, const std::string& source) {
        if (mount_points.count(destination) && seen.insert(destination).second)
            external.push_back({destination, source});
    };
    for (const config::MountConfig& m : config.mounts)
        if (IsBind(m))
            add(m.destination, m.source);
    for (const std::string& path : config.masked_paths) {
        // Masked directories hold an empty tmpfs, or a bind of our empty directory once restored (whose
        // mountinfo root depends on where /run's filesystem starts); masked files a bind of /dev/null.
        if (mount_points.count(path))
            add(path, is_directory(path) ? kEmptyMaskDirectory : "/dev/null");
    }
    for (const config::DeviceConfig& d : config.devices)
        add(d.path, d.path);
    for (const config::MountConfig& m : config.mounts)
        if (m.type == "cgroup")
            AddCgroupBinds(m.destination, mounts, add);
    return external;
}

std::vector<ExternalMount> RecreatableTmpfsMountsOf(const std::vector<MountInfoEntry>& mounts,
                                                    const std::vector<ExternalMount>& external,
                                                    const ListNodes& list_nodes) {
    std::vector<ExternalMount> fresh;
    for (const MountInfoEntry& m : mounts) {
        if (m.fs_type != "tmpfs" || m.root != "/" || m.mount_point == "/")
            continue;
        bool known = std::any_of(external.begin(), external.end(),
                                 [&](const ExternalMount& e) { return e.destination == m.mount_point; });
        // Stacked mounts at one place: the listing would show the top one only.
        bool stacked = std::count_if(mounts.begin(), mounts.end(), [&](const MountInfoEntry& e) {
                           return e.mount_point == m.mount_point;
                       }) > 1;
        if (known || stacked)
            continue;
        std::optional<std::vector<TmpfsNode>> nodes = list_nodes(m.mount_point);
        if (!nodes)
            continue;
        fresh.push_back({m.mount_point, std::string(kFreshTmpfsPrefix) + m.options + "," + m.super_options,
                         std::move(*nodes)});
    }
    return fresh;
}

TmpfsMountArguments ParseFreshTmpfsSource(std::string_view source) {
    static const std::map<std::string, unsigned long> kFlags = {
        {"ro", MS_RDONLY}, {"nosuid", MS_NOSUID}, {"nodev", MS_NODEV}, {"noexec", MS_NOEXEC},
        {"noatime", MS_NOATIME}, {"nodiratime", MS_NODIRATIME}, {"relatime", MS_RELATIME},
        {"strictatime", MS_STRICTATIME}, {"sync", MS_SYNCHRONOUS},
    };
    TmpfsMountArguments arguments;
    if (source.rfind(kFreshTmpfsPrefix, 0) == 0)
        source.remove_prefix(kFreshTmpfsPrefix.size());
    std::istringstream in{std::string(source)};
    for (std::string option; std::getline(in, option, ',');) {
        if (auto flag = kFlags.find(option); flag != kFlags.end())
            arguments.flags |= flag->second;
        else if (option.find('=') != std::string::npos)
            arguments.data += (arguments.data.empty() ? "" : ",") + option;
        // Anything else (rw, private propagation words) needs nothing on a fresh mount.
    }
    return arguments;
}

}  // namespace berth::checkpoint
