#include "checkpoint/rootfs_diff.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>

#include "launch/path_in_root.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth::checkpoint {
namespace {

constexpr const char* kBaselineHeader = "berth-rootfs-baseline 1\n";

using DirPtr = std::unique_ptr<DIR, int (*)(DIR*)>;

// A directory stream of `name` below dirfd (not following a symlink there).
DirPtr OpenDirAt(int dirfd, const std::string& name, const std::string& shown) {
    int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        ThrowErrno("Failed to open " + shown);
    DIR* d = ::fdopendir(fd);
    if (d == nullptr) {
        int saved = errno;
        ::close(fd);
        errno = saved;
        ThrowErrno("Failed to read " + shown);
    }
    return DirPtr(d, ::closedir);
}

// Calls visit(relative path, dirfd, name, d_type) for every entry below `dir`, depth first,
// descending into directories (never through symlinks).
void Walk(int dirfd, const std::string& prefix, const std::string& shown,
          const std::function<void(const std::string&, int, const char*, unsigned char)>& visit) {
    DirPtr d = OpenDirAt(dirfd, prefix.empty() ? "." : prefix, shown + "/" + prefix);
    while (dirent* e = ::readdir(d.get())) {
        std::string name = e->d_name;
        if (name == "." || name == "..")
            continue;
        std::string rel = prefix.empty() ? name : prefix + "/" + name;
        unsigned char type = e->d_type;
        if (type == DT_UNKNOWN) {
            struct stat st{};
            if (::fstatat(dirfd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
                ThrowErrno("Failed to stat " + shown + "/" + rel);
            type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
        }
        visit(rel, dirfd, name.c_str(), type);
        if (type == DT_DIR)
            Walk(dirfd, rel, shown, visit);
    }
}

bool AtOrAfter(const timespec& a, const timespec& b) {
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec >= b.tv_nsec);
}

// Removes `name` below dirfd, a directory with all it holds.
void RemoveAt(int dirfd, const std::string& name, const std::string& shown) {
    if (::unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT)
        return;
    if (errno != EISDIR && errno != EPERM)
        ThrowErrno("Failed to remove " + shown);
    {
        DirPtr d = OpenDirAt(dirfd, name, shown);
        int fd = ::dirfd(d.get());
        std::vector<std::string> names;
        while (dirent* e = ::readdir(d.get()))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
                names.push_back(e->d_name);
        for (const std::string& child : names)
            RemoveAt(fd, child, shown + "/" + child);
    }
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
        ThrowErrno("Failed to remove " + shown);
}

}  // namespace

RootfsBaseline TakeRootfsBaseline(const std::string& rootfs) {
    RootfsBaseline baseline;
    // The coarse clock is the one file times come from: a change right after this is not older.
    ::clock_gettime(CLOCK_REALTIME_COARSE, &baseline.since);
    UniqueFd root = OpenOrThrow(rootfs, O_RDONLY | O_DIRECTORY);
    Walk(root.Get(), "", rootfs, [&](const std::string& rel, int, const char*, unsigned char) {
        baseline.paths.push_back(rel);
    });
    std::sort(baseline.paths.begin(), baseline.paths.end());
    return baseline;
}

std::string FormatRootfsBaseline(const RootfsBaseline& baseline) {
    return kBaselineHeader + ("since " + std::to_string(baseline.since.tv_sec) + " " +
                              std::to_string(baseline.since.tv_nsec) + "\n") +
           FormatPathList(baseline.paths);
}

RootfsBaseline ParseRootfsBaseline(const std::string& text, const std::string& origin) {
    const std::string header = kBaselineHeader;
    size_t line_end = text.find('\n', header.size());
    if (text.compare(0, header.size(), header) != 0 || line_end == std::string::npos ||
        text.compare(header.size(), 6, "since ") != 0)
        throw Error("Failed to read the rootfs baseline " + origin + ": not a berth-rootfs-baseline 1 file");
    RootfsBaseline baseline;
    std::string since = text.substr(header.size() + 6, line_end - header.size() - 6);
    size_t space = since.find(' ');
    try {
        baseline.since.tv_sec = std::stoll(since.substr(0, space));
        baseline.since.tv_nsec = space == std::string::npos ? 0 : std::stol(since.substr(space + 1));
    } catch (const std::exception&) {
        throw Error("Failed to read the rootfs baseline " + origin + ": malformed since line");
    }
    baseline.paths = ParsePathList(text.substr(line_end + 1));
    for (const std::string& path : baseline.paths)
        if (!IsPlainRelativePath(path))
            throw Error("Failed to read the rootfs baseline " + origin + ": bad path '" + path + "'");
    return baseline;
}

RootfsDiff DiffRootfs(const std::string& rootfs, const RootfsBaseline& baseline) {
    RootfsDiff diff;
    std::set<std::string> present;
    const std::set<std::string> before(baseline.paths.begin(), baseline.paths.end());
    UniqueFd root = OpenOrThrow(rootfs, O_RDONLY | O_DIRECTORY);
    Walk(root.Get(), "", rootfs, [&](const std::string& rel, int dirfd, const char*, unsigned char type) {
        present.insert(rel);
        if (type == DT_SOCK)
            return;
        struct stat st{};
        if (::fstatat(dirfd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
            ThrowErrno("Failed to stat " + rootfs + "/" + rel);
        if (before.count(rel) == 0 || AtOrAfter(st.st_ctim, baseline.since))
            diff.changed.push_back(rel);
    });
    for (const std::string& path : baseline.paths)
        if (present.count(path) == 0)
            diff.deleted.push_back(path);
    std::sort(diff.changed.begin(), diff.changed.end());
    return diff;
}

std::string FormatPathList(const std::vector<std::string>& paths) {
    std::string text;
    for (const std::string& path : paths) {
        text += path;
        text += '\0';
    }
    return text;
}

std::vector<std::string> ParsePathList(const std::string& text) {
    std::vector<std::string> paths;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\0', start);
        if (end == std::string::npos)
            end = text.size();
        paths.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return paths;
}

bool IsPlainRelativePath(const std::string& path) {
    if (path.empty() || path.front() == '/')
        return false;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        std::string part = path.substr(start, end - start);
        if (part.empty() || part == "." || part == "..")
            return false;
        start = end + 1;
    }
    return true;
}

void RemoveFromRootfs(const std::string& rootfs, const std::vector<std::string>& paths) {
    UniqueFd root = OpenOrThrow(rootfs, O_RDONLY | O_DIRECTORY);
    std::vector<std::string> children_first(paths);
    std::sort(children_first.rbegin(), children_first.rend());
    for (const std::string& path : children_first) {
        if (!IsPlainRelativePath(path))
            throw Error("Failed to remove '" + path + "' from " + rootfs + ": not a relative path inside it");
        size_t slash = path.rfind('/');
        std::string parent = slash == std::string::npos ? "/" : "/" + path.substr(0, slash);
        std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
        UniqueFd dir = launch::OpenInRootIfExists(root.Get(), parent);
        if (!dir)
            continue;  // its parent is gone already
        struct stat st{};
        if (::fstat(dir.Get(), &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        UniqueFd readable(::openat(dir.Get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!readable)
            ThrowErrno("Failed to open " + rootfs + parent);
        RemoveAt(readable.Get(), name, rootfs + "/" + path);
    }
}

}  // namespace berth::checkpoint
