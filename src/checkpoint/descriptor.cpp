#include "checkpoint/descriptor.hpp"

#include <ctime>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "config/toml_document.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/toml_integer.hpp"

namespace berth::checkpoint {

namespace {

// 2: tmpfs node lists and a skipped loopback-only netns; a reader of 1 would restore those wrongly.
constexpr int64_t kFormatVersion = 2;
constexpr int64_t kOldestReadableFormat = 1;

[[noreturn]] void Malformed(const std::string& origin, const std::string& key, const std::string& reason) {
    throw Error("Failed to read checkpoint descriptor " + origin + ": " + key + ": " + reason);
}

std::string RequireString(const toml::table& table, const std::string& key, const std::string& origin,
                          const std::string& prefix = "") {
    auto value = table[key].value<std::string>();
    if (!value)
        Malformed(origin, prefix + key, "missing or not a string");
    return *value;
}

int64_t RequireInteger(const toml::table& table, const std::string& key, const std::string& origin,
                       const std::string& prefix = "") {
    auto value = TomlInteger(table[key]);
    if (!value)
        Malformed(origin, prefix + key, "missing or not an integer");
    return *value;
}

bool OptionalBool(const toml::table& table, const std::string& key) {
    return table[key].value_or(false);
}

// One inline table per node: { path, kind, mode, uid, gid, rdev, target, mtime = [sec, nsec] }.
toml::array FormatTmpfsNodes(const std::vector<TmpfsNode>& nodes) {
    toml::array out;
    for (const TmpfsNode& n : nodes) {
        toml::table t{{"path", n.path}, {"kind", std::string(1, n.kind)}, {"mode", int64_t{n.mode}},
                      {"uid", int64_t{n.uid}}, {"gid", int64_t{n.gid}}};
        if (n.kind == 'c' || n.kind == 'b')
            t.insert("rdev", static_cast<int64_t>(n.rdev));
        if (n.kind == 'l')
            t.insert("target", n.target);
        t.insert("mtime", toml::array{n.mtime_sec, n.mtime_nsec});
        t.is_inline(true);
        out.push_back(std::move(t));
    }
    return out;
}

std::vector<TmpfsNode> ParseTmpfsNodes(const toml::table& mount, const std::string& origin, const std::string& key) {
    std::vector<TmpfsNode> nodes;
    const toml::array* list = mount["nodes"].as_array();
    if (list == nullptr)
        return nodes;
    std::set<std::string> directories = {"."};  // listed so far: the only parents allowed
    for (size_t i = 0; i < list->size(); ++i) {
        const toml::table* t = (*list)[i].as_table();
        std::string prefix = key + "[" + std::to_string(i) + "].";
        if (t == nullptr)
            Malformed(origin, prefix, "not a table");
        TmpfsNode n;
        n.path = RequireString(*t, "path", origin, prefix);
        std::string kind = RequireString(*t, "kind", origin, prefix);
        if (kind.size() != 1 || std::string("dlcbf").find(kind[0]) == std::string::npos)
            Malformed(origin, prefix + "kind", "not one of d, l, c, b, f");
        // Paths stay below the rebuilt tmpfs.
        if (n.path.empty() || n.path[0] == '/' || ("/" + n.path + "/").find("/../") != std::string::npos)
            Malformed(origin, prefix + "path", "not a relative path below the mount");
        n.kind = kind[0];
        // Each entry's parent is a directory listed before it, never a symlink to follow out.
        size_t slash = n.path.rfind('/');
        std::string parent = slash == std::string::npos ? "." : n.path.substr(0, slash);
        if (n.path != "." && directories.count(parent) == 0)
            Malformed(origin, prefix + "path", "its parent " + parent + " is not a directory listed before it");
        if (n.kind == 'd')
            directories.insert(n.path);
        n.mode = static_cast<uint32_t>(RequireInteger(*t, "mode", origin, prefix));
        n.uid = static_cast<uint32_t>(RequireInteger(*t, "uid", origin, prefix));
        n.gid = static_cast<uint32_t>(RequireInteger(*t, "gid", origin, prefix));
        // Only where FormatTmpfsNodes writes them: a stray rdev on a directory must not survive in
        // memory what a rewrite of the descriptor would drop (found by tests/fuzz, fuzz_descriptor).
        if (n.kind == 'c' || n.kind == 'b')
            n.rdev = static_cast<uint64_t>(TomlIntegerOr((*t)["rdev"], 0));
        if (n.kind == 'l')
            n.target = (*t)["target"].value_or(std::string());
        if (const toml::array* mtime = (*t)["mtime"].as_array(); mtime != nullptr && mtime->size() == 2) {
            n.mtime_sec = TomlIntegerOr((*mtime)[0], 0);
            n.mtime_nsec = TomlIntegerOr((*mtime)[1], 0);
        }
        nodes.push_back(std::move(n));
    }
    return nodes;
}

}  // namespace

std::string FormatDescriptor(const Descriptor& d) {
    toml::table root;
    root.insert("format", kFormatVersion);
    root.insert("container", d.container);
    root.insert("created", d.created);
    if (d.netns_path) {
        root.insert("netns_path", *d.netns_path);
        // TOML integers are signed 64-bit; inode numbers fit.
        root.insert("netns_inode", static_cast<int64_t>(d.netns_inode));
    }
    root.insert("external_netns", d.external_netns);
    if (d.empty_netns)
        root.insert("empty_netns", true);
    if (!d.parent.empty())
        root.insert("parent", d.parent);

    toml::table criu;
    criu.insert("major", d.criu_version.major);
    criu.insert("minor", d.criu_version.minor);
    criu.insert("sublevel", d.criu_version.sublevel);
    criu.insert("extra", d.criu_version.extra);
    if (!d.criu_version.gitid.empty())
        criu.insert("gitid", d.criu_version.gitid);
    criu.insert("tcp_established", d.flags.tcp_established);
    criu.insert("ext_unix_sk", d.flags.ext_unix_sk);
    criu.insert("shell_job", d.flags.shell_job);
    criu.insert("file_locks", d.flags.file_locks);
    root.insert("criu", std::move(criu));

    toml::array mounts;
    for (const ExternalMount& m : d.external_mounts) {
        toml::table mount{{"destination", m.destination}, {"source", m.source}};
        if (!m.nodes.empty())
            mount.insert("nodes", FormatTmpfsNodes(m.nodes));
        mounts.push_back(std::move(mount));
    }
    root.insert("external_mount", std::move(mounts));

    toml::array stdio;
    for (const std::string& target : d.stdio)
        stdio.push_back(target);
    root.insert("stdio", std::move(stdio));
    toml::array stdio_paths;
    for (const std::string& path : d.stdio_paths)
        stdio_paths.push_back(path);
    root.insert("stdio_paths", std::move(stdio_paths));

    // The merged config verbatim: restore hands it back to the config loader unchanged.
    root.insert("config", d.config_toml);

    std::ostringstream out;
    // Basic strings only: a literal string cannot hold three single quotes, and toml++ wrote one
    // anyway (a config value with them made a descriptor that did not parse; fuzz_descriptor).
    out << "# Written by Berth next to CRIU's images; read by `berthctl restore`.\n"
        << toml::toml_formatter(root, toml::toml_formatter::default_flags & ~toml::format_flags::allow_literal_strings)
        << "\n";
    return out.str();
}

Descriptor ParseDescriptor(const std::string& text, const std::string& origin) {
    toml::table root;
    try {
        root = config::ParseBoundedToml(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream reason;
        reason << e.description() << " (line " << e.source().begin.line << ")";
        Malformed(origin, "", reason.str());
    }
    int64_t format = RequireInteger(root, "format", origin);
    if (format < kOldestReadableFormat || format > kFormatVersion)
        Malformed(origin, "format", "version " + std::to_string(format) + " is not supported (expected " +
                                        std::to_string(kOldestReadableFormat) + " to " +
                                        std::to_string(kFormatVersion) + ")");
    Descriptor d;
    d.container = RequireString(root, "container", origin);
    d.created = RequireString(root, "created", origin);
    if (auto path = root["netns_path"].value<std::string>()) {
        d.netns_path = *path;
        d.netns_inode = static_cast<uint64_t>(RequireInteger(root, "netns_inode", origin));
    }
    d.external_netns = OptionalBool(root, "external_netns");
    if (d.external_netns && !d.netns_path)
        Malformed(origin, "external_netns", "set without netns_path");
    d.empty_netns = OptionalBool(root, "empty_netns");
    if (d.empty_netns && d.netns_path)
        Malformed(origin, "empty_netns", "set for a network namespace joined by path");
    d.parent = root["parent"].value_or(std::string());

    const toml::table* criu = root["criu"].as_table();
    if (criu == nullptr)
        Malformed(origin, "criu", "missing table");
    d.criu_version.major = static_cast<int>(RequireInteger(*criu, "major", origin, "criu."));
    d.criu_version.minor = static_cast<int>(RequireInteger(*criu, "minor", origin, "criu."));
    d.criu_version.sublevel = static_cast<int>(TomlIntegerOr((*criu)["sublevel"], 0));
    d.criu_version.extra = static_cast<int>(TomlIntegerOr((*criu)["extra"], 0));
    d.criu_version.gitid = (*criu)["gitid"].value_or(std::string());
    d.flags.tcp_established = OptionalBool(*criu, "tcp_established");
    d.flags.ext_unix_sk = OptionalBool(*criu, "ext_unix_sk");
    d.flags.shell_job = OptionalBool(*criu, "shell_job");
    d.flags.file_locks = OptionalBool(*criu, "file_locks");

    if (const toml::array* mounts = root["external_mount"].as_array()) {
        for (size_t i = 0; i < mounts->size(); ++i) {
            const toml::table* m = (*mounts)[i].as_table();
            std::string prefix = "external_mount[" + std::to_string(i) + "].";
            if (m == nullptr)
                Malformed(origin, prefix, "not a table");
            d.external_mounts.push_back({RequireString(*m, "destination", origin, prefix),
                                         RequireString(*m, "source", origin, prefix),
                                         ParseTmpfsNodes(*m, origin, prefix + "nodes")});
        }
    }
    if (const toml::array* stdio = root["stdio"].as_array()) {
        for (size_t i = 0; i < stdio->size(); ++i) {
            auto target = (*stdio)[i].value<std::string>();
            if (!target)
                Malformed(origin, "stdio[" + std::to_string(i) + "]", "not a string");
            d.stdio.push_back(*target);
        }
    }
    if (const toml::array* paths = root["stdio_paths"].as_array()) {
        for (size_t i = 0; i < paths->size(); ++i) {
            auto path = (*paths)[i].value<std::string>();
            if (!path)
                Malformed(origin, "stdio_paths[" + std::to_string(i) + "]", "not a string");
            d.stdio_paths.push_back(*path);
        }
    }
    d.config_toml = RequireString(root, "config", origin);
    return d;
}

void WriteDescriptor(const std::string& image_dir, const Descriptor& descriptor) {
    WriteFileAtomic(image_dir + "/" + kDescriptorFile, FormatDescriptor(descriptor), 0600);
}

Descriptor ReadDescriptor(const std::string& image_dir) {
    std::string path = image_dir + "/" + kDescriptorFile;
    auto text = ReadFileIfExists(path);
    if (!text)
        throw Error("Failed to read checkpoint descriptor " + path + " (not a Berth checkpoint directory?)", ENOENT);
    return ParseDescriptor(*text, path);
}

std::string CurrentTimeRfc3339() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buffer;
}

}  // namespace berth::checkpoint
