#include "checkpoint/archive.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <toml++/toml.h>
#include <vector>

#include "checkpoint/archive_library.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/toml_integer.hpp"

namespace berth::checkpoint {

namespace {

constexpr size_t kChunk = 1 << 20;

const ArchiveLibrary& Lib() { return LoadArchiveLibrary(); }

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

bool EndsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// FNV-1a over a file's bytes: catches a corrupted member (not tampering) before CRIU reads it.
struct Digest {
    uint64_t value = 0xcbf29ce484222325ULL;
    void Add(const char* data, size_t n) {
        for (size_t i = 0; i < n; ++i)
            value = (value ^ static_cast<unsigned char>(data[i])) * 0x100000001b3ULL;
    }
};

struct MemberSum {
    uint64_t size = 0;
    uint64_t digest = 0;
    friend bool operator==(const MemberSum&, const MemberSum&) = default;
};

std::string HexDigest(uint64_t value) {
    char text[17];
    std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
    return text;
}

// The regular files of dir, sorted (CRIU's images and the descriptor; its "parent" link is refused).
std::vector<std::string> ImageFiles(const std::string& dir) {
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d)
        ThrowErrno("Failed to export the checkpoint: cannot open " + dir);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d.get())) {
        std::string name = e->d_name;
        if (name == "." || name == "..")
            continue;
        struct stat st{};
        if (::lstat((dir + "/" + name).c_str(), &st) < 0)
            ThrowErrno("Failed to export the checkpoint: cannot stat " + dir + "/" + name);
        if (!S_ISREG(st.st_mode))
            throw Error("Failed to export the checkpoint: " + dir + "/" + name +
                        " is not a regular file (a dump on top of a pre-dump cannot be exported)");
        names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// Reads the file at path to its end, a chunk at a time, handing each chunk to use.
void ForEachChunk(const std::string& path, const std::function<void(const char*, size_t)>& use) {
    UniqueFd fd = OpenOrThrow(path, O_RDONLY);
    std::vector<char> buffer(kChunk);
    for (;;) {
        ssize_t n = ::read(fd.Get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            ThrowErrno("Failed to read " + path);
        if (n == 0)
            break;
        use(buffer.data(), static_cast<size_t>(n));
    }
}

MemberSum SumOf(const std::string& path) {
    MemberSum sum;
    Digest digest;
    ForEachChunk(path, [&](const char* data, size_t n) {
        digest.Add(data, n);
        sum.size += n;
    });
    sum.digest = digest.value;
    return sum;
}

void WriteHeader(archive* a, const std::string& name, uint64_t size, const std::string& file) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(Lib().archive_entry_new(), Lib().archive_entry_free);
    Lib().archive_entry_set_pathname(entry.get(), name.c_str());
    Lib().archive_entry_set_filetype(entry.get(), AE_IFREG);
    Lib().archive_entry_set_perm(entry.get(), 0600);
    Lib().archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    if (Lib().archive_write_header(a, entry.get()) != ARCHIVE_OK)
        throw Error("Failed to write " + file + ": " + name + ": " + Lib().archive_error_string(a));
}

void WriteData(archive* a, const char* data, size_t n, const std::string& name, const std::string& file) {
    if (Lib().archive_write_data(a, data, n) != static_cast<la_ssize_t>(n))
        throw Error("Failed to write " + file + ": " + name + ": " + Lib().archive_error_string(a));
}

void WriteFileMember(archive* a, const std::string& name, const std::string& path, uint64_t size,
                     const std::string& file) {
    WriteHeader(a, name, size, file);
    ForEachChunk(path, [&](const char* data, size_t n) { WriteData(a, data, n, name, file); });
}

void WriteTextMember(archive* a, const std::string& name, const std::string& text, const std::string& file) {
    WriteHeader(a, name, text.size(), file);
    WriteData(a, text.data(), text.size(), name, file);
}

MemberSum SumOfText(const std::string& text) {
    Digest digest;
    digest.Add(text.data(), text.size());
    return {text.size(), digest.value};
}

// One rootfs entry as rootfs/REL with its stat (owner, mode, times); a regular file's data is
// exactly the size in its header (a file still written to by a running container is cut or
// zero-filled there) and summed as written.
// Returns false for an entry left out: a socket, or one gone since the walk (a running container).
bool WriteRootfsMember(archive* a, const std::string& rootfs, const std::string& rel, const std::string& file,
                       std::map<std::string, MemberSum>& sums) {
    const std::string path = rootfs + "/" + rel;
    const std::string name = std::string(kArchiveRootfs) + "/" + rel;
    struct stat st{};
    if (::lstat(path.c_str(), &st) < 0) {
        if (errno == ENOENT)
            return false;
        ThrowErrno("Failed to export the rootfs: cannot stat " + path);
    }
    if (S_ISSOCK(st.st_mode))
        return false;
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(Lib().archive_entry_new(), Lib().archive_entry_free);
    Lib().archive_entry_copy_stat(entry.get(), &st);
    Lib().archive_entry_set_pathname(entry.get(), name.c_str());
    std::string target;
    if (S_ISLNK(st.st_mode)) {
        target.resize(static_cast<size_t>(st.st_size) + 1);
        ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
        if (n < 0)
            ThrowErrno("Failed to export the rootfs: cannot read the link " + path);
        target.resize(static_cast<size_t>(n));
        Lib().archive_entry_set_symlink(entry.get(), target.c_str());
    }
    if (!S_ISREG(st.st_mode))
        Lib().archive_entry_set_size(entry.get(), 0);
    UniqueFd fd;
    if (S_ISREG(st.st_mode))
        fd = OpenOrThrow(path, O_RDONLY | O_NOFOLLOW);
    if (Lib().archive_write_header(a, entry.get()) != ARCHIVE_OK)
        throw Error("Failed to write " + file + ": " + name + ": " + Lib().archive_error_string(a));
    if (!S_ISREG(st.st_mode))
        return true;
    MemberSum sum;
    Digest digest;
    std::vector<char> buffer(kChunk);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    while (sum.size < size) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), size - sum.size));
        ssize_t n = ::read(fd.Get(), buffer.data(), want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            ThrowErrno("Failed to read " + path);
        if (n == 0) {  // shorter than at its stat: zeros to the header's size
            std::fill(buffer.begin(), buffer.begin() + static_cast<long>(want), 0);
            n = static_cast<ssize_t>(want);
        }
        WriteData(a, buffer.data(), static_cast<size_t>(n), name, file);
        digest.Add(buffer.data(), static_cast<size_t>(n));
        sum.size += static_cast<uint64_t>(n);
    }
    sum.digest = digest.value;
    sums[name] = sum;
    return true;
}

// write(2) until all of it is out.
void WriteAll(int fd, const char* data, size_t n, const std::string& path) {
    while (n > 0) {
        ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            ThrowErrno("Failed to write " + path);
        data += w;
        n -= static_cast<size_t>(w);
    }
}

std::string FormatManifestWithSums(const ArchiveManifest& m, const std::map<std::string, MemberSum>& sums) {
    toml::table root = toml::parse(FormatArchiveManifest(m));
    toml::array files;
    for (const auto& [name, sum] : sums)
        files.push_back(toml::table{{"name", name}, {"size", static_cast<int64_t>(sum.size)},
                                    {"fnv1a64", HexDigest(sum.digest)}});
    root.insert("file", std::move(files));
    std::ostringstream out;
    out << root << "\n";
    return out.str();
}

// The [[file]] list of a manifest (or of rootfs-sums): member path -> size and digest.
std::map<std::string, MemberSum> ManifestSums(const std::string& text, const std::string& origin) {
    std::map<std::string, MemberSum> sums;
    toml::table root = toml::parse(text, origin);
    if (const toml::array* files = root["file"].as_array()) {
        for (const toml::node& node : *files) {
            const toml::table* t = node.as_table();
            auto name = t ? (*t)["name"].value<std::string>() : std::nullopt;
            auto size = t ? TomlInteger((*t)["size"]) : std::nullopt;
            auto digest = t ? (*t)["fnv1a64"].value<std::string>() : std::nullopt;
            if (!name || !size || !digest)
                throw ArchiveUnusable("Failed to import " + origin + ": a [[file]] entry lacks name, size or fnv1a64");
            sums[*name] = {static_cast<uint64_t>(*size), std::stoull(*digest, nullptr, 16)};
        }
    }
    return sums;
}

std::string ReadMemberText(archive* a, const std::string& file, size_t limit) {
    std::string text;
    std::vector<char> buffer(64 * 1024);
    for (;;) {
        la_ssize_t n = Lib().archive_read_data(a, buffer.data(), buffer.size());
        if (n < 0)
            throw ArchiveUnusable("Failed to import " + file + ": " + Lib().archive_error_string(a));
        if (n == 0)
            return text;
        text.append(buffer.data(), static_cast<size_t>(n));
        if (text.size() > limit)
            throw ArchiveUnusable("Failed to import " + file + ": a text member (" + kArchiveManifest +
                                  " or rootfs-sums.toml) is larger than " + std::to_string(limit) + " bytes");
    }
}

// Reads the current member to its end, handing each chunk to `sink` (if any); its size and digest.
MemberSum ReadMember(archive* a, const std::string& file, const std::function<void(const char*, size_t)>& sink) {
    MemberSum sum;
    Digest digest;
    std::vector<char> buffer(kChunk);
    for (;;) {
        la_ssize_t n = Lib().archive_read_data(a, buffer.data(), buffer.size());
        if (n < 0)
            throw ArchiveUnusable("Failed to import " + file + ": " + Lib().archive_error_string(a));
        if (n == 0)
            break;
        if (sink)
            sink(buffer.data(), static_cast<size_t>(n));
        digest.Add(buffer.data(), static_cast<size_t>(n));
        sum.size += static_cast<uint64_t>(n);
    }
    sum.digest = digest.value;
    return sum;
}

// Extracts the current member into `path` (new file), returning its size and digest.
MemberSum ExtractMember(archive* a, const std::string& file, const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        ThrowErrno("Failed to import " + file + ": cannot create " + path);
    UniqueFd out(fd);
    return ReadMember(a, file, [&](const char* data, size_t size) { WriteAll(out.Get(), data, size, path); });
}

// A member below images/ by its bare file name, or "" when its path is anything else.
std::string ImageMemberName(const std::string& path) {
    std::string prefix = std::string(kArchiveImages) + "/";
    if (path.rfind(prefix, 0) != 0)
        return "";
    std::string name = path.substr(prefix.size());
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        return "";
    return name;
}

// A member below rootfs/ by its path relative to the rootfs, or "" when it is anything else.
std::string RootfsMemberPath(const std::string& path) {
    std::string prefix = std::string(kArchiveRootfs) + "/";
    if (path.rfind(prefix, 0) != 0)
        return "";
    std::string rel = path.substr(prefix.size());
    while (!rel.empty() && rel.back() == '/')
        rel.pop_back();  // a directory's name may end in a slash
    return IsPlainRelativePath(rel) ? rel : "";
}

constexpr const char* kRootfsSums = "rootfs-sums.toml";

// Reads the current member to its end, returning its size and digest.
MemberSum SumMember(archive* a, const std::string& file) { return ReadMember(a, file, nullptr); }

ArchivePtr OpenForReading(const std::string& file) {
    ArchivePtr a(Lib().archive_read_new(), Lib().archive_read_free);
    Lib().archive_read_support_filter_zstd(a.get());
    Lib().archive_read_support_format_tar(a.get());
    if (Lib().archive_read_open_filename(a.get(), file.c_str(), 64 * 1024) != ARCHIVE_OK)
        throw ArchiveUnusable("Failed to import " + file + ": " + Lib().archive_error_string(a.get()),
                              Lib().archive_errno(a.get()));
    return a;
}

}  // namespace

std::string FormatArchiveManifest(const ArchiveManifest& m) {
    toml::table root{{"format", int64_t{m.format}}, {"container", m.container}, {"created", m.created}};
    root.insert("criu", toml::table{{"major", m.criu_version.major}, {"minor", m.criu_version.minor},
                                    {"sublevel", m.criu_version.sublevel}});
    if (m.rootfs_diff) {
        toml::table rootfs{{"diff", true}};
        if (m.rootfs_entries > 0)  // known once they are written: in rootfs-sums.toml
            rootfs.insert("entries", static_cast<int64_t>(m.rootfs_entries));
        root.insert("rootfs", std::move(rootfs));
    }
    std::ostringstream out;
    out << "# A Berth checkpoint archive (berthctl checkpoint --export); restore with berthctl restore --import.\n"
        << root << "\n";
    return out.str();
}

ArchiveManifest ParseArchiveManifest(const std::string& text, const std::string& origin) {
    toml::table root;
    try {
        root = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        throw ArchiveUnusable("Failed to import " + origin + ": " + kArchiveManifest + ": " +
                              std::string(e.description()));
    }
    ArchiveManifest m;
    auto format = TomlInteger(root["format"]);
    if (!format)
        throw ArchiveUnusable("Failed to import " + origin + ": " + kArchiveManifest + " has no format");
    if (*format != kArchiveFormat)
        throw ArchiveUnusable("Failed to import " + origin + ": archive format " + std::to_string(*format) +
                              " is not supported (this berthctl reads format " + std::to_string(kArchiveFormat) +
                              (*format < kArchiveFormat ? "; export it again with this Berth" : "; update Berth") +
                              ")");
    m.format = static_cast<int>(*format);
    m.container = root["container"].value_or(std::string());
    m.created = root["created"].value_or(std::string());
    m.criu_version.major = static_cast<int>(TomlIntegerOr(root["criu"]["major"], 0));
    m.criu_version.minor = static_cast<int>(TomlIntegerOr(root["criu"]["minor"], 0));
    m.criu_version.sublevel = static_cast<int>(TomlIntegerOr(root["criu"]["sublevel"], 0));
    m.rootfs_diff = root["rootfs"]["diff"].value_or(false);
    m.rootfs_entries = static_cast<uint64_t>(TomlIntegerOr(root["rootfs"]["entries"], 0));
    if (m.container.empty())
        throw ArchiveUnusable("Failed to import " + origin + ": " + kArchiveManifest + " names no container");
    return m;
}

void WriteCheckpointArchive(const std::string& image_dir, const ArchiveManifest& manifest, const std::string& file,
                            const RootfsExport* rootfs) {
    std::map<std::string, MemberSum> sums;
    std::vector<std::string> images = ImageFiles(image_dir);
    for (const std::string& name : images)
        sums[std::string(kArchiveImages) + "/" + name] = SumOf(image_dir + "/" + name);
    ArchiveManifest m = manifest;
    std::string baseline_text, deleted_text;
    if (rootfs) {
        baseline_text = FormatRootfsBaseline(rootfs->baseline);
        deleted_text = FormatPathList(rootfs->diff.deleted);
        sums[kRootfsBaselineFile] = SumOfText(baseline_text);
        sums[kArchiveRootfsDeleted] = SumOfText(deleted_text);
        m.rootfs_diff = true;
    }
    const std::string manifest_text = FormatManifestWithSums(m, sums);

    const std::string partial = file + ".partial";
    ArchivePtr a(Lib().archive_write_new(), Lib().archive_write_free);
    Lib().archive_write_set_format_pax_restricted(a.get());
    if (EndsWith(file, ".zst") && Lib().archive_write_add_filter_zstd(a.get()) != ARCHIVE_OK)
        throw Error("Failed to write " + file + ": zstd: " + Lib().archive_error_string(a.get()));
    if (Lib().archive_write_open_filename(a.get(), partial.c_str()) != ARCHIVE_OK)
        throw Error("Failed to write " + partial + ": " + Lib().archive_error_string(a.get()),
                    Lib().archive_errno(a.get()));
    try {
        WriteTextMember(a.get(), kArchiveManifest, manifest_text, file);
        for (const std::string& name : images) {
            std::string member = std::string(kArchiveImages) + "/" + name;
            WriteFileMember(a.get(), member, image_dir + "/" + name, sums[member].size, file);
        }
        if (rootfs) {
            WriteTextMember(a.get(), kRootfsBaselineFile, baseline_text, file);
            WriteTextMember(a.get(), kArchiveRootfsDeleted, deleted_text, file);
            // Summed as written (the manifest is out already): the sums follow the entries.
            std::map<std::string, MemberSum> rootfs_sums;
            ArchiveManifest trailer = m;
            for (const std::string& rel : rootfs->diff.changed)
                trailer.rootfs_entries += WriteRootfsMember(a.get(), rootfs->rootfs, rel, file, rootfs_sums) ? 1 : 0;
            WriteTextMember(a.get(), kRootfsSums, FormatManifestWithSums(trailer, rootfs_sums), file);
        }
        if (Lib().archive_write_close(a.get()) != ARCHIVE_OK)
            throw Error("Failed to write " + file + ": " + Lib().archive_error_string(a.get()));
        ::chmod(partial.c_str(), 0600);
        if (::rename(partial.c_str(), file.c_str()) < 0)
            ThrowErrno("Failed to rename " + partial + " to " + file);
    } catch (...) {
        ::unlink(partial.c_str());
        throw;
    }
}

ArchiveManifest ExtractCheckpointArchive(const std::string& file, const std::string& into) {
    ArchivePtr a = OpenForReading(file);
    archive_entry* entry = nullptr;
    int r = Lib().archive_read_next_header(a.get(), &entry);
    if (r != ARCHIVE_OK || Lib().archive_entry_pathname(entry) != std::string(kArchiveManifest))
        throw ArchiveUnusable("Failed to import " + file + ": not a Berth checkpoint archive (" +
                              (r == ARCHIVE_OK ? std::string("its first member is not ") + kArchiveManifest
                                               : std::string(Lib().archive_error_string(a.get()))) +
                              ")");
    std::string text = ReadMemberText(a.get(), file, 1 << 20);
    ArchiveManifest manifest = ParseArchiveManifest(text, file);
    std::map<std::string, MemberSum> expected = ManifestSums(text, file);

    std::map<std::string, MemberSum> found, rootfs_found;
    std::optional<std::map<std::string, MemberSum>> rootfs_expected;
    uint64_t rootfs_entries = 0;
    auto check = [&](const std::string& path, const MemberSum& sum, std::map<std::string, MemberSum>& sums) {
        if (sums.count(path) == 0 || sum != sums[path])
            throw ArchiveUnusable("Failed to import " + file + ": " + path + " is corrupted (its size or checksum "
                                  "differs from the manifest's)");
    };
    while ((r = Lib().archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
        std::string path = Lib().archive_entry_pathname(entry);
        const bool regular = Lib().archive_entry_filetype(entry) == AE_IFREG;
        if (std::string name = ImageMemberName(path); !name.empty() && regular && expected.count(path) != 0) {
            found[path] = ExtractMember(a.get(), file, into + "/" + name);
            check(path, found[path], expected);
        } else if (manifest.rootfs_diff && regular && (path == kRootfsBaselineFile || path == kArchiveRootfsDeleted)) {
            found[path] = ExtractMember(a.get(), file, into + "/" + path);
            check(path, found[path], expected);
        } else if (manifest.rootfs_diff && !RootfsMemberPath(path).empty() && !rootfs_expected) {
            ++rootfs_entries;
            if (regular)
                rootfs_found[path] = SumMember(a.get(), file);
        } else if (manifest.rootfs_diff && regular && path == kRootfsSums && !rootfs_expected) {
            std::string trailer = ReadMemberText(a.get(), file, 64 << 20);
            rootfs_expected = ManifestSums(trailer, file + ": " + kRootfsSums);
            manifest.rootfs_entries = ParseArchiveManifest(trailer, file + ": " + kRootfsSums).rootfs_entries;
        } else {
            throw ArchiveUnusable("Failed to import " + file + ": unexpected member " + path);
        }
    }
    if (r != ARCHIVE_EOF)
        throw ArchiveUnusable("Failed to import " + file + ": " + Lib().archive_error_string(a.get()));
    for (const auto& [path, sum] : expected)
        if (found.count(path) == 0)
            throw ArchiveUnusable("Failed to import " + file + ": " + path + " is missing (truncated archive?)");
    if (manifest.rootfs_diff) {
        if (!rootfs_expected || rootfs_entries != manifest.rootfs_entries)
            throw ArchiveUnusable("Failed to import " + file + ": the rootfs changes are incomplete (" +
                                  std::to_string(rootfs_entries) + " of " + std::to_string(manifest.rootfs_entries) +
                                  " entries" + (rootfs_expected ? "" : ", no " + std::string(kRootfsSums)) +
                                  "; truncated archive?)");
        for (const auto& [path, sum] : rootfs_found)
            check(path, sum, *rootfs_expected);
        if (rootfs_found.size() != rootfs_expected->size())
            throw ArchiveUnusable("Failed to import " + file + ": " + kRootfsSums + " lists files the archive lacks");
    }
    return manifest;
}

void ApplyArchiveRootfs(const std::string& file, const std::string& rootfs) {
    char resolved[PATH_MAX];
    // No symlink in the prefix: libarchive's symlink check then guards the paths inside.
    if (::realpath(rootfs.c_str(), resolved) == nullptr)
        ThrowErrno("Failed to apply the rootfs changes of " + file + ": cannot resolve " + rootfs);
    const std::string root = resolved;
    ArchivePtr a = OpenForReading(file);
    ArchivePtr disk(Lib().archive_write_disk_new(), Lib().archive_write_free);
    Lib().archive_write_disk_set_options(disk.get(), ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
                                                         ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_UNLINK |
                                                         ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                         ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    archive_entry* entry = nullptr;
    int r;
    std::vector<char> buffer(kChunk);
    while ((r = Lib().archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
        std::string rel = RootfsMemberPath(Lib().archive_entry_pathname(entry));
        if (rel.empty())
            continue;
        const std::string target = root + "/" + rel;
        Lib().archive_entry_set_pathname(entry, target.c_str());
        if (Lib().archive_write_header(disk.get(), entry) != ARCHIVE_OK)
            throw Error("Failed to apply the rootfs changes of " + file + ": " + target + ": " +
                        Lib().archive_error_string(disk.get()), Lib().archive_errno(disk.get()));
        for (;;) {
            la_ssize_t n = Lib().archive_read_data(a.get(), buffer.data(), buffer.size());
            if (n < 0)
                throw Error("Failed to apply the rootfs changes of " + file + ": " + Lib().archive_error_string(a.get()));
            if (n == 0)
                break;
            if (Lib().archive_write_data(disk.get(), buffer.data(), static_cast<size_t>(n)) < 0)
                throw Error("Failed to write " + target + ": " + Lib().archive_error_string(disk.get()),
                            Lib().archive_errno(disk.get()));
        }
        if (Lib().archive_write_finish_entry(disk.get()) != ARCHIVE_OK)
            throw Error("Failed to write " + target + ": " + Lib().archive_error_string(disk.get()),
                        Lib().archive_errno(disk.get()));
    }
    if (r != ARCHIVE_EOF)
        throw Error("Failed to apply the rootfs changes of " + file + ": " + Lib().archive_error_string(a.get()));
    // Directory times and modes are set at close.
    if (Lib().archive_write_close(disk.get()) != ARCHIVE_OK)
        throw Error("Failed to apply the rootfs changes of " + file + ": " + Lib().archive_error_string(disk.get()));
}

}  // namespace berth::checkpoint
