#pragma once
// Where container state lives: STATE_DIR/NAME/{state.toml,config.toml,.lock}, written atomically.
#include <optional>
#include <string>
#include <vector>

#include "manager/container_id.hpp"
#include "manager/state.hpp"

namespace berth::manager {

class StateStore {
public:
    explicit StateStore(std::string state_dir);

    const std::string& Root() const { return root_; }
    std::string Dir(const ContainerId& id) const;
    std::string StateFile(const ContainerId& id) const;
    std::string ConfigFile(const ContainerId& id) const;

    // Creates STATE_DIR (0711) and STATE_DIR/NAME (0700) if missing.
    void EnsureDir(const ContainerId& id) const;
    bool HasState(const ContainerId& id) const;
    // Writes config.toml, then state.toml (the latter makes the container visible), each atomically.
    void Write(const ContainerState& state) const;
    // Rewrites state.toml only (status, pid, exit code changes).
    void WriteStateOnly(const ContainerState& state) const;
    // Reads both files. Throws NoSuchContainer without state.toml, CorruptState naming the file
    // when either does not parse.
    ContainerState Read(const ContainerId& id) const;
    // state.toml alone (`config` left default): for callers that need no configuration.
    ContainerState ReadStateOnly(const ContainerId& id) const;
    // Removes the container's directory; the rename first makes it vanish for other processes at once.
    void Remove(const ContainerId& id) const;
    // Names of directories holding a state.toml, sorted (entries that are no valid name are ignored).
    std::vector<std::string> Names() const;
    // Directories of a valid name without state.toml that nobody holds locked: a creation killed
    // between its mkdir and its first record (`rm --force` removes them).
    std::vector<std::string> AbandonedNames() const;

private:
    std::string root_;
};

}  // namespace berth::manager
