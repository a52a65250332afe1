#include "checkpoint/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <toml++/toml.h>
#include <vector>

#include "util/fd.hpp"
#include "util/file.hpp"

namespace berth::checkpoint {

namespace {

constexpr size_t kChunk = 1 << 20;

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

MemberSum SumOf(const std::string& path) {
    UniqueFd fd = OpenOrThrow(path, O_RDONLY);
    std::vector<char> buffer(kChunk);
    MemberSum sum;
    Digest digest;
    for (;;) {
        ssize_t n = ::read(fd.Get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            ThrowErrno("Failed to read " + path);
        if (n == 0)
            break;
        digest.Add(buffer.data(), static_cast<size_t>(n));
        sum.size += static_cast<uint64_t>(n);
    }
    sum.digest = digest.value;
    return sum;
}

void WriteHeader(archive* a, const std::string& name, uint64_t size, const std::string& file) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0600);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    if (archive_write_header(a, entry.get()) != ARCHIVE_OK)
        throw Error("Failed to write " + file + ": " + name + ": " + archive_error_string(a));
}

void WriteData(archive* a, const char* data, size_t n, const std::string& name, const std::string& file) {
    if (archive_write_data(a, data, n) != static_cast<la_ssize_t>(n))
        throw Error("Failed to write " + file + ": " + name + ": " + archive_error_string(a));
}

void WriteFileMember(archive* a, const std::string& name, const std::string& path, uint64_t size,
                     const std::string& file) {
    WriteHeader(a, name, size, file);
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
        WriteData(a, buffer.data(), static_cast<size_t>(n), name, file);
    }
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

// The [[file]] list of a manifest: member name below images/ -> size and digest.
std::map<std::string, MemberSum> ManifestSums(const std::string& text, const std::string& origin) {
    std::map<std::string, MemberSum> sums;
    toml::table root = toml::parse(text, origin);
    if (const toml::array* files = root["file"].as_array()) {
        for (const toml::node& node : *files) {
            const toml::table* t = node.as_table();
            auto name = t ? (*t)["name"].value<std::string>() : std::nullopt;
            auto size = t ? (*t)["size"].value<int64_t>() : std::nullopt;
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
        la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
        if (n < 0)
            throw ArchiveUnusable("Failed to import " + file + ": " + archive_error_string(a));
        if (n == 0)
            return text;
        text.append(buffer.data(), static_cast<size_t>(n));
        if (text.size() > limit)
            throw ArchiveUnusable("Failed to import " + file + ": " + kArchiveManifest + " is larger than " +
                                  std::to_string(limit) + " bytes");
    }
}

// Extracts the current member into `path` (new file), returning its size and digest.
MemberSum ExtractMember(archive* a, const std::string& file, const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        ThrowErrno("Failed to import " + file + ": cannot create " + path);
    UniqueFd out(fd);
    MemberSum sum;
    Digest digest;
    std::vector<char> buffer(kChunk);
    for (;;) {
        la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
        if (n < 0)
            throw ArchiveUnusable("Failed to import " + file + ": " + archive_error_string(a));
        if (n == 0)
            break;
        WriteAll(out.Get(), buffer.data(), static_cast<size_t>(n), path);
        digest.Add(buffer.data(), static_cast<size_t>(n));
        sum.size += static_cast<uint64_t>(n);
    }
    sum.digest = digest.value;
    return sum;
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

ArchivePtr OpenForReading(const std::string& file) {
    ArchivePtr a(archive_read_new(), archive_read_free);
    archive_read_support_filter_zstd(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_filename(a.get(), file.c_str(), 64 * 1024) != ARCHIVE_OK)
        throw ArchiveUnusable("Failed to import " + file + ": " + archive_error_string(a.get()),
                              archive_errno(a.get()));
    return a;
}

}  // namespace

std::string FormatArchiveManifest(const ArchiveManifest& m) {
    toml::table root{{"format", int64_t{m.format}}, {"container", m.container}, {"created", m.created}};
    root.insert("criu", toml::table{{"major", m.criu_version.major}, {"minor", m.criu_version.minor},
                                    {"sublevel", m.criu_version.sublevel}});
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
    auto format = root["format"].value<int64_t>();
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
    m.criu_version.major = static_cast<int>(root["criu"]["major"].value_or(int64_t{0}));
    m.criu_version.minor = static_cast<int>(root["criu"]["minor"].value_or(int64_t{0}));
    m.criu_version.sublevel = static_cast<int>(root["criu"]["sublevel"].value_or(int64_t{0}));
    if (m.container.empty())
        throw ArchiveUnusable("Failed to import " + origin + ": " + kArchiveManifest + " names no container");
    return m;
}

void WriteCheckpointArchive(const std::string& image_dir, const ArchiveManifest& manifest, const std::string& file) {
    std::map<std::string, MemberSum> sums;
    for (const std::string& name : ImageFiles(image_dir))
        sums[name] = SumOf(image_dir + "/" + name);
    const std::string manifest_text = FormatManifestWithSums(manifest, sums);

    const std::string partial = file + ".partial";
    ArchivePtr a(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(a.get());
    if (EndsWith(file, ".zst") && archive_write_add_filter_zstd(a.get()) != ARCHIVE_OK)
        throw Error("Failed to write " + file + ": zstd: " + archive_error_string(a.get()));
    if (archive_write_open_filename(a.get(), partial.c_str()) != ARCHIVE_OK)
        throw Error("Failed to write " + partial + ": " + archive_error_string(a.get()), archive_errno(a.get()));
    try {
        WriteHeader(a.get(), kArchiveManifest, manifest_text.size(), file);
        WriteData(a.get(), manifest_text.data(), manifest_text.size(), kArchiveManifest, file);
        for (const auto& [name, sum] : sums)
            WriteFileMember(a.get(), std::string(kArchiveImages) + "/" + name, image_dir + "/" + name, sum.size, file);
        if (archive_write_close(a.get()) != ARCHIVE_OK)
            throw Error("Failed to write " + file + ": " + archive_error_string(a.get()));
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
    int r = archive_read_next_header(a.get(), &entry);
    if (r != ARCHIVE_OK || archive_entry_pathname(entry) != std::string(kArchiveManifest))
        throw ArchiveUnusable("Failed to import " + file + ": not a Berth checkpoint archive (" +
                              (r == ARCHIVE_OK ? std::string("its first member is not ") + kArchiveManifest
                                               : std::string(archive_error_string(a.get()))) +
                              ")");
    std::string text = ReadMemberText(a.get(), file, 1 << 20);
    ArchiveManifest manifest = ParseArchiveManifest(text, file);
    std::map<std::string, MemberSum> expected = ManifestSums(text, file);

    std::map<std::string, MemberSum> found;
    while ((r = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
        std::string path = archive_entry_pathname(entry);
        std::string name = ImageMemberName(path);
        if (name.empty() || archive_entry_filetype(entry) != AE_IFREG || expected.count(name) == 0)
            throw ArchiveUnusable("Failed to import " + file + ": unexpected member " + path);
        found[name] = ExtractMember(a.get(), file, into + "/" + name);
        if (found[name] != expected[name])
            throw ArchiveUnusable("Failed to import " + file + ": " + path + " is corrupted (its size or checksum "
                                  "differs from the manifest's)");
    }
    if (r != ARCHIVE_EOF)
        throw ArchiveUnusable("Failed to import " + file + ": " + archive_error_string(a.get()));
    for (const auto& [name, sum] : expected)
        if (found.count(name) == 0)
            throw ArchiveUnusable("Failed to import " + file + ": " + kArchiveImages + "/" + name +
                                  " is missing (truncated archive?)");
    return manifest;
}

}  // namespace berth::checkpoint
