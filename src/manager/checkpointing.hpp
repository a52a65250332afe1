#pragma once
// Checkpoint and restore of managed containers: the checkpoint layer does the CRIU work, this
// records it (status checkpointed, the restored container's pid and placement) under the
// container's lock.
#include <memory>
#include <string>

#include "checkpoint/checkpoint.hpp"
#include "manager/container_id.hpp"
#include "manager/forwarded_signals.hpp"
#include "manager/state.hpp"

namespace berth::manager {

// Checkpoints a running container into options.image_dir. Without options.leave_running the
// container is stopped, its cgroup removed, and its name stays known with status checkpointed.
// With options.export_path and options.post_dump, the archive is written at CRIU's post-dump
// (the tasks still frozen) and then post_dump runs: a migration sends it from there.
// Throws NoSuchContainer, InvalidState (not running).
checkpoint::CheckpointResult CheckpointContainer(const std::string& state_dir, const ContainerId& id,
                                                 const checkpoint::CheckpointOptions& options);

// Everything RestoreContainer checks of options.import_path before it starts anything (the
// archive, CRIU's version, the CPU, the netns, the rootfs, that the name is free), without
// restoring: throws InvalidState or ContainerExists with the reason, leaves nothing behind.
void CheckImport(const std::string& state_dir, const checkpoint::RestoreOptions& options);

// A container restored by this process: its init is our child until we exit.
class RestoredContainer {
public:
    const ContainerState& State() const { return state_; }
    const std::vector<std::string>& Warnings() const { return warnings_; }
    int Pidfd() const { return pidfd_.Get(); }
    // The restored pty master (a terminal container), -1 without; stays owned by this object.
    int TerminalMaster() const { return terminal_master_.Get(); }
    // Forwards signals and relays the terminal until the init exits, then removes the
    // container's cgroup and state as a foreground `run` does. Needs foreground = true.
    int StayInForeground();

private:
    friend RestoredContainer RestoreContainer(const std::string&, const std::string&,
                                              const checkpoint::RestoreOptions&, bool);
    std::string state_dir_;
    ContainerState state_;
    UniqueFd pidfd_;
    UniqueFd terminal_master_;
    std::vector<std::string> warnings_;
    std::unique_ptr<ForwardedSignals> signals_;
};

// Restores the checkpoint in options.image_dir as options.name (empty: the checkpointed name) in a
// new placement made by the `cgroup_driver` driver. The name may be free, checkpointed or stopped;
// a running container of that name is ContainerExists. A missing netns path fails before any
// state, cgroup or CRIU process exists.
RestoredContainer RestoreContainer(const std::string& state_dir, const std::string& cgroup_driver,
                                   const checkpoint::RestoreOptions& options, bool foreground);

}  // namespace berth::manager
