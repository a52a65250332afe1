#include "launch/rootless.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <sstream>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace berth::launch {
namespace {

using config::NamespaceKind;

std::string UserName(uid_t uid) {
    const passwd* pw = ::getpwuid(uid);
    return pw && pw->pw_name ? pw->pw_name : "";
}

std::vector<config::IdMapping> MappingsFrom(const char* file, const std::string& user, uid_t uid, uint32_t own_id,
                                            bool& without_ranges) {
    std::vector<SubordinateRange> ranges = ReadSubordinateRanges(file, user, uid);
    without_ranges = without_ranges || ranges.empty();
    return RootlessMappings(own_id, ranges);
}

// The uid owning the user namespace that owns namespace fd (for a user namespace: its own owner).
uid_t OwnerUid(int fd, NamespaceKind kind, const std::string& path) {
    UniqueFd userns;
    if (kind != NamespaceKind::User) {
        userns = UniqueFd(::ioctl(fd, NS_GET_USERNS));
        if (!userns)
            ThrowErrno("Failed to find the user namespace owning " + path);
        fd = userns.Get();
    }
    uid_t owner = 0;
    if (::ioctl(fd, NS_GET_OWNER_UID, &owner) < 0)
        ThrowErrno("Failed to find the owner of the user namespace of " + path);
    return owner;
}

}  // namespace

bool IsRootless() { return ::geteuid() != 0; }

std::vector<SubordinateRange> ReadSubordinateRanges(const std::string& file, const std::string& user, uid_t uid) {
    std::vector<SubordinateRange> ranges;
    std::optional<std::string> text = ReadFileIfExists(file);
    if (!text)
        return ranges;
    std::istringstream lines(*text);
    const std::string uid_text = std::to_string(uid);
    for (std::string line; std::getline(lines, line);) {
        size_t first = line.find(':');
        size_t second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos || line[0] == '#')
            continue;
        std::string owner = line.substr(0, first);
        if (owner != uid_text && (user.empty() || owner != user))
            continue;
        try {
            size_t used = 0;
            unsigned long long start = std::stoull(line.substr(first + 1, second - first - 1), &used);
            unsigned long long count = std::stoull(line.substr(second + 1));
            if (count == 0 || start + count > 4294967296ULL)
                continue;
            ranges.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(count)});
        } catch (const std::exception&) {
            // A malformed line: newuidmap skips it too.
        }
    }
    return ranges;
}

std::vector<config::IdMapping> RootlessMappings(uint32_t own_id, const std::vector<SubordinateRange>& ranges) {
    std::vector<config::IdMapping> mappings{{0, own_id, 1}};
    uint64_t next = 1;
    for (const SubordinateRange& range : ranges) {
        uint64_t size = std::min<uint64_t>(range.count, 4294967295ULL - next);  // container ids end below 2^32-1
        if (size == 0 || mappings.size() >= 340)  // the kernel's limit on ranges per map
            break;
        mappings.push_back({static_cast<uint32_t>(next), range.start, static_cast<uint32_t>(size)});
        next += size;
    }
    return mappings;
}

config::ContainerConfig WithRootlessUserNamespace(config::ContainerConfig config) {
    if (!IsRootless())
        return config;
    const config::NamespaceConfig* user = config.FindNamespace(NamespaceKind::User);
    if (user && user->path)
        return config;
    if (!user)
        config.namespaces.push_back({NamespaceKind::User, std::nullopt});
    const uid_t uid = ::geteuid();
    const std::string name = UserName(uid);
    bool without_ranges = false;
    if (config.uid_mappings.empty())
        config.uid_mappings = MappingsFrom("/etc/subuid", name, uid, uid, without_ranges);
    if (config.gid_mappings.empty())
        config.gid_mappings = MappingsFrom("/etc/subgid", name, uid, ::getegid(), without_ranges);
    if (without_ranges)
        LogWarning("user " + (name.empty() ? std::to_string(uid) : name) +
                   " has no ranges in /etc/subuid or /etc/subgid: the rootless container maps only uid " +
                   std::to_string(uid) + " and gid " + std::to_string(::getegid()) + " (as its 0)");
    return config;
}

void CheckRootlessJoin(const JoinedNamespace& joined, bool entered_by_child) {
    const std::string what = std::string(config::NamespaceKindName(joined.kind)) + " namespace " + joined.path;
    UniqueFd fd = OpenNamespace(joined);
    uid_t owner = OwnerUid(fd.Get(), joined.kind, joined.path);
    if (owner != ::geteuid())
        throw Error("Failed to join the " + what + ": it belongs to uid " + std::to_string(owner) +
                    (owner == 0 ? " (root)" : "") + ", and a rootless container can join no namespace of another user's");
    if (!entered_by_child)
        throw Error("Failed to join the " + what +
                    ": a rootless container can join by path only a user namespace (and a mount namespace of "
                    "it); an unprivileged user may enter no other from the host's user namespace");
}

}  // namespace berth::launch
