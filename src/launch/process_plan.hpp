#pragma once
// What a container process (init or exec'd) becomes right before its program runs, resolved in
// the parent (names to numbers, profile compiled) so the child only makes system calls.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "launch/capabilities.hpp"
#include "launch/launcher.hpp"
#include "launch/rlimits.hpp"
#include "launch/seccomp.hpp"

namespace berth::launch {

struct ProcessPlan {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd = "/";
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> additional_gids;
    bool no_new_privileges = true;
    bool terminal = false;
    Stdio stdio;
    bool setgroups_denied = false;
    CapabilityPlan capabilities;
    std::vector<ResolvedRlimit> rlimits;
    std::unique_ptr<SeccompFilter> seccomp;  // null: unconfined
    int start_gate = -1;  // LaunchOptions::start_gate
};

// Resolves the container's process settings; throws Error for unknown capability or rlimit
// names, an unreadable or invalid seccomp profile, or a hard rlimit above this host's.
ProcessPlan MakeProcessPlan(const config::ContainerConfig& config);

// In the child, in this order: terminal or stdio (in a new session), close-on-exec for everything else, rlimits,
// bounding set, user switch (keeping capabilities), cwd, capability sets, no_new_privs, seccomp,
// execve. Seccomp comes last so the filter need not allow the setup's own syscalls, except
// without no_new_privs: loading it then needs CAP_SYS_ADMIN, so it is loaded before the drop.
[[noreturn]] void FinishProcess(const ProcessPlan& plan, int sync);

// The child's error path: reports the exception as one {step, errno} message and exits. With
// wait_for_go the process first waits for the parent's Go (or EOF): the parent is still placing it
// in its cgroup, which needs it alive.
[[noreturn]] void ReportFailureAndExit(int sync, bool wait_for_go = false) noexcept;

}  // namespace berth::launch
