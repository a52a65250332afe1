#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>

#include "config/loader.hpp"
#include "config/resolve.hpp"

namespace berth::config {
namespace {

bool IsDirectory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Anything there but a directory, a dangling symlink included: reading it then names what is wrong
// with it (a FIFO, /dev/zero, a symlink loop) instead of the file being skipped unseen.
bool IsConfigFile(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && !IsDirectory(path);
}

bool EndsWith(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The "*.toml" files (not directories) in a directory; none when the directory does not exist.
std::vector<std::string> TomlFilesIn(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
        if (errno == ENOENT || errno == ENOTDIR)
            return names;
        ThrowErrno("open directory " + dir);
    }
    // closedir on every path out.
    std::unique_ptr<DIR, int (*)(DIR*)> guard(d, ::closedir);
    while (struct dirent* entry = ::readdir(d)) {
        std::string name = entry->d_name;
        // Hidden files are editor and package-manager leftovers (".web.toml.swp", ".#x.toml").
        if (name.empty() || name[0] == '.' || !EndsWith(name, ".toml"))
            continue;
        if (IsConfigFile(dir + "/" + name))
            names.push_back(std::move(name));
    }
    return names;
}

std::string JoinPath(const std::string& dir, const std::string& name) {
    if (!dir.empty() && dir.back() == '/')
        return dir + name;
    return dir + "/" + name;
}

}  // namespace

SearchPath SearchPath::DefaultContainers() {
    return {{"/etc/berth/containers", "/run/berth/containers", "/usr/lib/berth/containers"}};
}

SearchPath SearchPath::DefaultDaemon() { return {{"/etc/berth", "/run/berth", "/usr/lib/berth"}}; }

SearchPath SearchPath::Parse(const std::string& colon_separated) {
    SearchPath path;
    size_t start = 0;
    while (start <= colon_separated.size()) {
        size_t end = colon_separated.find(':', start);
        if (end == std::string::npos)
            end = colon_separated.size();
        if (end > start)
            path.dirs.push_back(colon_separated.substr(start, end - start));
        start = end + 1;
    }
    return path;
}

ResolvedFiles ResolveUnitFiles(const std::string& name, const SearchPath& path) {
    ResolvedFiles out;
    for (const std::string& dir : path.dirs) {
        std::string candidate = JoinPath(dir, name + ".toml");
        if (IsConfigFile(candidate)) {
            out.main = candidate;
            break;
        }
    }
    // Lowest precedence first, so a higher directory's same-named drop-in overwrites the entry.
    std::map<std::string, std::string> drop_ins;
    for (auto dir = path.dirs.rbegin(); dir != path.dirs.rend(); ++dir) {
        std::string drop_in_dir = JoinPath(*dir, name + ".toml.d");
        for (const std::string& file : TomlFilesIn(drop_in_dir))
            drop_ins[file] = JoinPath(drop_in_dir, file);
    }
    for (auto& [file, full] : drop_ins)
        out.drop_ins.push_back(std::move(full));
    return out;
}

std::vector<std::string> ResolveFiles(const std::string& name, const SearchPath& path) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        throw Error("Failed to find configuration of '" + name + "': not a valid container name");
    ResolvedFiles resolved = ResolveUnitFiles(name, path);
    if (!resolved.main) {
        std::string dirs;
        for (const std::string& dir : path.dirs)
            dirs += (dirs.empty() ? "" : ":") + dir;
        throw Error("Failed to find " + name + ".toml in " + (dirs.empty() ? "(empty search path)" : dirs), ENOENT);
    }
    std::vector<std::string> files{*resolved.main};
    files.insert(files.end(), resolved.drop_ins.begin(), resolved.drop_ins.end());
    return files;
}

}  // namespace berth::config
