#pragma once
// A checkpoint as one file (`berthctl checkpoint --export`, `restore --import`): a tar archive,
// zstd-compressed when its name ends in .zst, written and read with libarchive. Its first member is
// the manifest berth-archive.toml (archive format, the container, the CRIU that dumped it); then
// the image directory (CRIU's images, cpuinfo.img among them, and Berth's descriptor) under
// images/; then, when the rootfs was writable, its changes since the container started
// (rootfs_diff.hpp): rootfs-baseline, rootfs-deleted (NUL-ended paths) and the entries under rootfs/.
#include <cstdint>
#include <string>

#include "checkpoint/criu_version.hpp"
#include "checkpoint/rootfs_diff.hpp"
#include "util/error.hpp"

namespace berth::checkpoint {

inline constexpr const char* kArchiveManifest = "berth-archive.toml";
inline constexpr const char* kArchiveImages = "images";
inline constexpr const char* kArchiveRootfs = "rootfs";
inline constexpr const char* kArchiveRootfsDeleted = "rootfs-deleted";
// 1: manifest + images/ (no parent pre-dumps, no rootfs content).
// 2: [[file]] names are member paths; images/cpuinfo.img always; the rootfs diff.
inline constexpr int kArchiveFormat = 2;

struct ArchiveManifest {
    int format = kArchiveFormat;
    std::string container;
    std::string created;  // UTC, RFC 3339
    CriuVersion criu_version;
    bool rootfs_diff = false;     // rootfs-baseline, rootfs-deleted and rootfs/ are there
    uint64_t rootfs_entries = 0;  // members under rootfs/, as rootfs-sums.toml (written after them) counts
};

// What an export adds of a writable rootfs.
struct RootfsExport {
    std::string rootfs;
    RootfsBaseline baseline;  // travels on: the next host diffs against the same base
    RootfsDiff diff;
};

std::string FormatArchiveManifest(const ArchiveManifest& manifest);
// Throws ArchiveUnusable naming `origin` on malformed content or a format other than kArchiveFormat.
ArchiveManifest ParseArchiveManifest(const std::string& text, const std::string& origin);

// The archive cannot be imported (unreadable, corrupted, another format); nothing was started.
class ArchiveUnusable : public Error {
public:
    using Error::Error;
};

// Writes the regular files of image_dir, and the rootfs diff when given, into `file` (created
// 0600, replaced only when complete).
void WriteCheckpointArchive(const std::string& image_dir, const ArchiveManifest& manifest, const std::string& file,
                            const RootfsExport* rootfs = nullptr);

// Reads the manifest, then extracts the images into `into` (an empty directory), with
// rootfs-baseline and rootfs-deleted beside them; the rootfs entries are only checked against the
// manifest. Returns the manifest. The archive is only read. Throws ArchiveUnusable on any problem.
ArchiveManifest ExtractCheckpointArchive(const std::string& file, const std::string& into);

// Writes the archive's rootfs/ entries into `rootfs` (owners, modes, times; never through a
// symlink, never out of it). Run after ExtractCheckpointArchive accepted the archive and the
// entries listed in rootfs-deleted were removed.
void ApplyArchiveRootfs(const std::string& file, const std::string& rootfs);

}  // namespace berth::checkpoint
