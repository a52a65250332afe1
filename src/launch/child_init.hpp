#pragma once
// The container init's own steps between clone() and execve(), in the child.
#include <string>
#include <vector>

#include "config/model.hpp"
#include "launch/namespaces.hpp"
#include "launch/process_plan.hpp"
#include "launch/rootfs.hpp"

namespace berth::launch {

struct InitPlan {
    const config::ContainerConfig* config = nullptr;
    NamespacePlan namespaces;
    std::vector<int> child_join_fds;  // same order as namespaces.child_joins
    RootfsContext rootfs;
    ProcessPlan process;
    int sync = -1;  // the child's end of the sync socket
    int parent_sync = -1;  // the parent's end: the child closes its copy first thing
    // The child sets up its rootfs on SetUp, before the parent places it (SetsUpBeforePlacement).
    bool set_up_before_placement = false;
    // LaunchOptions::hooks.BeforePivot(): ask the parent for its hooks right before pivot_root
    // (AwaitHooksDone), then run these with the state it sends.
    bool hooks_before_pivot = false;
    std::vector<HookProgram> create_container_hooks;
};

// True when nothing the child sets up before exec depends on its cgroup placement or id maps.
bool SetsUpBeforePlacement(const InitPlan& plan);

// Runs in the cloned child: waits for the parent's go (or SetUp), joins/creates the remaining
// namespaces, sets the hostname, builds the rootfs, brings up lo (then, after SetUp, reports Ready
// and waits for Go), then FinishProcess. Never returns; every
// failure is reported over plan.sync as {step, errno}.
[[noreturn]] void RunContainerInit(const InitPlan& plan) noexcept;

}  // namespace berth::launch
