#pragma once
// What a container changed in its writable rootfs, for `checkpoint --export` (podman's
// rootfs-diff.tar and deleted.files). Berth runs on a plain rootfs directory, not an overlay, so
// the base is a baseline taken when the container starts: the rootfs's entries and the time. An
// entry is changed when it is not in the baseline or its ctime is at or after that time (a write,
// chmod, chown or rename sets it); deleted when it is in the baseline and gone.
#include <ctime>
#include <string>
#include <vector>

namespace berth::checkpoint {

// The file name of a container's baseline in its state directory (and of the archive's member).
inline constexpr const char* kRootfsBaselineFile = "rootfs-baseline";

struct RootfsBaseline {
    timespec since{};                // taken before the walk: a change during it counts as one
    std::vector<std::string> paths;  // relative to the rootfs ("etc", "etc/passwd"), sorted
};

// Lists every entry below `rootfs` (directory entries only, no stat: cheap at start).
RootfsBaseline TakeRootfsBaseline(const std::string& rootfs);

// "berth-rootfs-baseline 1\nsince SEC NSEC\n" then the paths, each ending in NUL.
std::string FormatRootfsBaseline(const RootfsBaseline& baseline);
// Throws Error naming `origin` on malformed content.
RootfsBaseline ParseRootfsBaseline(const std::string& text, const std::string& origin);

struct RootfsDiff {
    std::vector<std::string> changed;  // added or changed since the baseline, sorted
    std::vector<std::string> deleted;  // in the baseline, gone now, sorted
};

// Compares `rootfs` now with its baseline (sockets are left out: they are not files to copy).
RootfsDiff DiffRootfs(const std::string& rootfs, const RootfsBaseline& baseline);

// NUL-terminated paths (the archive's list of deleted entries) and back.
std::string FormatPathList(const std::vector<std::string>& paths);
std::vector<std::string> ParsePathList(const std::string& text);

// Whether `path` is relative, non-empty and without "." or ".." components.
bool IsPlainRelativePath(const std::string& path);

// Removes the listed entries (directories with their content) from `rootfs`, resolving each
// inside it (symlinks cannot lead out); entries already gone are fine.
void RemoveFromRootfs(const std::string& rootfs, const std::vector<std::string>& paths);

}  // namespace berth::checkpoint
