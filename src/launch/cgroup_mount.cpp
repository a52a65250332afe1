#include "launch/cgroup_mount.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <sstream>

#include "launch/path_in_root.hpp"
#include "util/error.hpp"

namespace berth::launch {
namespace {

std::vector<std::string> SplitComma(const std::string& text) {
    std::vector<std::string> parts;
    std::stringstream in(text);
    for (std::string part; std::getline(in, part, ',');)
        if (!part.empty())
            parts.push_back(part);
    return parts;
}

std::string JoinComma(const std::vector<std::string>& parts) {
    std::string joined;
    for (const std::string& part : parts)
        joined += (joined.empty() ? "" : ",") + part;
    return joined;
}

// The /proc/self/cgroup names of a v1 hierarchy: its controllers, or "name=X".
std::vector<std::string> ProcNames(const cgroup::Hierarchy& h) {
    std::vector<std::string> names = h.controllers;
    if (!h.name.empty())
        names.push_back("name=" + h.name);
    std::sort(names.begin(), names.end());
    return names;
}

const ProcCgroupEntry* OwnEntry(const cgroup::Hierarchy& h, const std::vector<ProcCgroupEntry>& own) {
    const std::vector<std::string> names = h.unified ? std::vector<std::string>{} : ProcNames(h);
    for (const ProcCgroupEntry& entry : own) {
        std::vector<std::string> sorted = entry.controllers;
        std::sort(sorted.begin(), sorted.end());
        if (sorted == names)
            return &entry;
    }
    return nullptr;
}

void MountOrThrow(const char* source, const std::string& target, const char* type, unsigned long flags,
                  const std::string& data, const std::string& what) {
    if (::mount(source, target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) < 0)
        ThrowErrno(what);
}

// The hierarchy's cgroup of this process mounted with the mount's flags on the directory that
// open_target opens (called again to find the new mount after a bind).
void MountHierarchy(const cgroup::Hierarchy& h, const ProcCgroupEntry& entry,
                    const std::function<UniqueFd()>& open_target, unsigned long flags, bool cgroup_namespace,
                    const std::string& what) {
    const UniqueFd target_fd = open_target();
    const std::string target = FdPath(target_fd.Get());
    if (cgroup_namespace) {
        // The namespace roots a new mount of the hierarchy at our cgroup.
        if (h.unified)
            return MountOrThrow("cgroup2", target, "cgroup2", flags, "", what);
        std::string data = h.name.empty() ? JoinComma(h.controllers) : "none,name=" + h.name;
        return MountOrThrow("cgroup", target, "cgroup", flags, data, what);
    }
    MountOrThrow(HostCgroupDir(h, entry.path).c_str(), target, nullptr, MS_BIND, "", what);
    // A bind ignores the flags: remount the new mount (the fd behind `target` names the one below).
    UniqueFd bound = open_target();
    MountOrThrow(nullptr, FdPath(bound.Get()), nullptr, MS_BIND | MS_REMOUNT | flags, "", what + " (remount)");
}

std::string Basename(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::vector<ProcCgroupEntry> ParseProcCgroup(const std::string& text) {
    std::vector<ProcCgroupEntry> entries;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);) {
        size_t first = line.find(':');
        size_t second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos)
            continue;
        entries.push_back({SplitComma(line.substr(first + 1, second - first - 1)), line.substr(second + 1)});
    }
    return entries;
}

std::string HostCgroupDir(const cgroup::Hierarchy& h, const std::string& path) {
    if (h.root == "/" || h.root.empty())
        return h.mount_point + (path == "/" ? "" : path);
    if (path == h.root)
        return h.mount_point;
    if (path.compare(0, h.root.size() + 1, h.root + "/") == 0)
        return h.mount_point + path.substr(h.root.size());
    throw Error("the cgroup " + path + " is outside the part of hierarchy " + h.key + " mounted at " +
                h.mount_point + " (" + h.root + ")");
}

void MountCgroups(int rootfd, const std::string& destination, const MountOptions& options,
                  const cgroup::Layout& layout, const std::vector<ProcCgroupEntry>& own, bool cgroup_namespace) {
    const std::string what = "mount cgroup on " + destination;
    const unsigned long flags = options.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    if (layout.kind == cgroup::LayoutKind::None)
        throw Error(what + ": the host has no cgroup file system mounted");
    if (layout.kind == cgroup::LayoutKind::V2) {
        const cgroup::Hierarchy& h = *layout.Unified();
        const ProcCgroupEntry* entry = OwnEntry(h, own);
        if (!entry)
            throw Error(what + ": no cgroup2 entry in /proc/self/cgroup");
        return MountHierarchy(h, *entry, [&] { return OpenInRoot(rootfd, destination, NodeKind::Directory); },
                              flags, cgroup_namespace, what);
    }
    {
        UniqueFd target = OpenInRoot(rootfd, destination, NodeKind::Directory);
        MountOrThrow("tmpfs", FdPath(target.Get()), "tmpfs", flags & ~MS_RDONLY, "mode=755", what + " (tmpfs)");
    }
    UniqueFd tmpfs = OpenInRoot(rootfd, destination, NodeKind::Directory);  // the new tmpfs
    UniqueFd dir = OpenAtOrThrow(tmpfs.Get(), ".", O_DIRECTORY | O_RDONLY);
    for (const cgroup::Hierarchy& h : layout.hierarchies) {
        if (h.unified)
            continue;  // as runc: the v1 hierarchies only (CRIU cannot dump a bound cgroup2 sub-tree)
        const ProcCgroupEntry* entry = OwnEntry(h, own);
        if (!entry)
            continue;  // a hierarchy this process is in nowhere (not in /proc/self/cgroup)
        const std::string name = Basename(h.mount_point);
        if (::mkdirat(dir.Get(), name.c_str(), 0755) < 0)
            ThrowErrno(what + ": create " + name);
        MountHierarchy(h, *entry, [&] { return OpenAtOrThrow(dir.Get(), name, O_PATH | O_DIRECTORY | O_NOFOLLOW); },
                       flags, cgroup_namespace, what + "/" + name);
        for (const std::string& controller : h.controllers)
            if (controller != name && ::symlinkat(name.c_str(), dir.Get(), controller.c_str()) < 0 && errno != EEXIST)
                ThrowErrno(what + ": link " + controller + " to " + name);
    }
    if (flags & MS_RDONLY)
        MountOrThrow(nullptr, FdPath(tmpfs.Get()), nullptr, MS_BIND | MS_REMOUNT | flags, "", what + " (read-only)");
}

}  // namespace berth::launch
