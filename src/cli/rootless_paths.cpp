#include "cli/rootless_paths.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "util/error.hpp"

namespace berth::cli {
namespace {

std::string Env(const char* name) {
    const char* value = std::getenv(name);
    return value && value[0] == '/' ? value : "";  // the XDG spec ignores relative paths
}

std::string Home() {
    if (std::string home = Env("HOME"); !home.empty())
        return home;
    if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_dir && pw->pw_dir[0] == '/')
        return pw->pw_dir;
    return "";
}

// An existing directory of ours, where a home-less user (HOME=/nonexistent) has none.
bool OwnDirectory(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid();
}

std::string RuntimeDir() {
    if (std::string dir = Env("XDG_RUNTIME_DIR"); !dir.empty())
        return dir;
    std::string dir = "/run/user/" + std::to_string(::geteuid());
    return OwnDirectory(dir) ? dir : "";
}

}  // namespace

bool RunningRootless() { return ::geteuid() != 0; }

std::string RootlessStateDir() {
    if (std::string runtime = RuntimeDir(); !runtime.empty())
        return runtime + "/berth";
    // No runtime dir (no systemd user session): a private directory in /tmp, as podman's
    // /tmp/podman-run-UID, which must be ours and no one else's.
    std::string dir = "/tmp/berth-run-" + std::to_string(::geteuid());
    if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST)
        ThrowErrno("Failed to create the rootless state directory " + dir);
    struct stat st;
    if (::lstat(dir.c_str(), &st) < 0)
        ThrowErrno("Failed to check the rootless state directory " + dir);
    if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
        throw Error("Failed to use the rootless state directory " + dir +
                    ": it is not a directory of this user's alone; set XDG_RUNTIME_DIR or pass --state-dir");
    return dir + "/berth";
}

config::SearchPath RootlessContainerSearchPath() {
    config::SearchPath path;
    std::string config_home = Env("XDG_CONFIG_HOME");
    if (config_home.empty() && !Home().empty())
        config_home = Home() + "/.config";
    if (!config_home.empty())
        path.dirs.push_back(config_home + "/berth/containers");
    if (std::string runtime = RuntimeDir(); !runtime.empty())
        path.dirs.push_back(runtime + "/berth/containers");
    for (const std::string& dir : config::SearchPath::DefaultContainers().dirs)
        path.dirs.push_back(dir);
    return path;
}

std::string RootlessLogDir() {
    if (std::string state_home = Env("XDG_STATE_HOME"); !state_home.empty())
        return state_home + "/berth/log";
    if (std::string home = Home(); !home.empty() && OwnDirectory(home))
        return home + "/.local/state/berth/log";
    return RootlessStateDir() + "-log";  // beside the state dir, whose entries are containers
}

}  // namespace berth::cli
