#include "manager/state_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "config/loader.hpp"
#include "manager/errors.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

namespace berth::manager {
namespace {

void RemoveDirContents(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d)
        return;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name != "." && name != "..")
            names.push_back(name);
    }
    ::closedir(d);
    // Only flat files live here (state.toml, config.toml, .lock, leftover *.tmp.PID).
    for (const std::string& name : names)
        ::unlink((dir + "/" + name).c_str());
}

// Whether DIR/.lock is free (or missing): nobody works on the container now.
bool Unlocked(const std::string& dir) {
    UniqueFd fd(::open((dir + "/.lock").c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return errno == ENOENT;
    return ::flock(fd.Get(), LOCK_EX | LOCK_NB) == 0;
}

}  // namespace

StateStore::StateStore(std::string state_dir) : root_(std::move(state_dir)) {
    while (root_.size() > 1 && root_.back() == '/')
        root_.pop_back();
}

std::string StateStore::Dir(const ContainerId& id) const { return root_ + "/" + id.str(); }
std::string StateStore::StateFile(const ContainerId& id) const { return Dir(id) + "/state.toml"; }
std::string StateStore::ConfigFile(const ContainerId& id) const { return Dir(id) + "/config.toml"; }

void StateStore::EnsureDir(const ContainerId& id) const {
    MakeDirs(root_, 0711);
    if (::mkdir(Dir(id).c_str(), 0700) < 0 && errno != EEXIST)
        ThrowErrno("Failed to create state directory " + Dir(id));
}

bool StateStore::HasState(const ContainerId& id) const { return PathExists(StateFile(id)); }

void StateStore::Write(const ContainerState& state) const {
    ContainerId id(state.name);
    WriteFileAtomic(ConfigFile(id), config::FormatContainerConfig(state.config), 0600, Durability::RuntimeOnly);
    WriteStateOnly(state);
}

void StateStore::WriteStateOnly(const ContainerState& state) const {
    WriteFileAtomic(StateFile(ContainerId(state.name)), FormatStateToml(state), 0600, Durability::RuntimeOnly);
}

ContainerState StateStore::ReadStateOnly(const ContainerId& id) const {
    const std::string state_file = StateFile(id);
    std::optional<std::string> text = ReadFileIfExists(state_file);
    if (!text)
        throw NoSuchContainer("No such container: " + id.str());
    ContainerState state = ParseStateToml(*text, state_file);
    if (state.name != id.str())
        throw CorruptState("Corrupt container state " + state_file + ": records name '" + state.name + "'");
    return state;
}

ContainerState StateStore::Read(const ContainerId& id) const {
    ContainerState state = ReadStateOnly(id);
    const std::string config_file = ConfigFile(id);
    std::optional<std::string> config_text = ReadFileIfExists(config_file);
    if (!config_text)
        throw CorruptState("Corrupt container state: " + config_file + " is missing");
    try {
        state.config = config::ParseContainerConfigString(id.str(), *config_text, config_file);
    } catch (const Error& e) {
        throw CorruptState("Corrupt container state: " + std::string(e.what()));
    }
    return state;
}

void StateStore::Remove(const ContainerId& id) const {
    const std::string dir = Dir(id);
    const std::string doomed = root_ + "/." + id.str() + ".removed." + std::to_string(::getpid());
    std::string target = dir;
    if (::rename(dir.c_str(), doomed.c_str()) == 0)
        target = doomed;
    else if (errno == ENOENT)
        return;
    RemoveDirContents(target);
    if (::rmdir(target.c_str()) < 0 && errno != ENOENT)
        ThrowErrno("Failed to remove state directory " + target);
}

std::vector<std::string> StateStore::Names() const {
    std::vector<std::string> names;
    DIR* d = ::opendir(root_.c_str());
    if (!d) {
        if (errno == ENOENT)
            return names;
        ThrowErrno("Failed to open state directory " + root_);
    }
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (ContainerId::IsValid(name) && PathExists(root_ + "/" + name + "/state.toml"))
            names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace berth::manager

namespace berth::manager {

std::vector<std::string> StateStore::AbandonedNames() const {
    std::vector<std::string> names;
    DIR* d = ::opendir(root_.c_str());
    if (!d)
        return names;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        const std::string dir = root_ + "/" + name;
        if (ContainerId::IsValid(name) && !PathExists(dir + "/state.toml") && Unlocked(dir) &&
            !PathExists(dir + "/state.toml"))
            names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace berth::manager
