#pragma once
// A checkpoint as one file (`berthctl checkpoint --export`, `restore --import`): a tar archive,
// zstd-compressed when its name ends in .zst, written and read with libarchive. Its first member is
// the manifest berth-archive.toml (archive format, the container, the CRIU that dumped it); then
// the image directory (CRIU's images and Berth's descriptor) under images/.
#include <string>

#include "checkpoint/criu_version.hpp"
#include "util/error.hpp"

namespace berth::checkpoint {

inline constexpr const char* kArchiveManifest = "berth-archive.toml";
inline constexpr const char* kArchiveImages = "images";
// 1: manifest + images/ (no parent pre-dumps, no rootfs content).
inline constexpr int kArchiveFormat = 1;

struct ArchiveManifest {
    int format = kArchiveFormat;
    std::string container;
    std::string created;  // UTC, RFC 3339
    CriuVersion criu_version;
};

std::string FormatArchiveManifest(const ArchiveManifest& manifest);
// Throws ArchiveUnusable naming `origin` on malformed content or a format other than kArchiveFormat.
ArchiveManifest ParseArchiveManifest(const std::string& text, const std::string& origin);

// The archive cannot be imported (unreadable, corrupted, another format); nothing was started.
class ArchiveUnusable : public Error {
public:
    using Error::Error;
};

// Writes the regular files of image_dir into `file` (created 0600, replaced only when complete).
void WriteCheckpointArchive(const std::string& image_dir, const ArchiveManifest& manifest, const std::string& file);

// Reads the manifest, then extracts the images into `into` (an empty directory); returns the
// manifest. The archive is only read. Throws ArchiveUnusable on any problem with it.
ArchiveManifest ExtractCheckpointArchive(const std::string& file, const std::string& into);

}  // namespace berth::checkpoint
