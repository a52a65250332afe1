#pragma once
// What a container process (init or exec'd) becomes right before its program runs, prepared in
// the parent (limits checked, seccomp profile compiled) so the child only makes system calls.
#include <sys/types.h>

#include <memory>
#include <optional>
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
    WindowSize window;  // the terminal's, from the start
    mode_t umask = 022;
    std::optional<unsigned long> personality;  // personality(2)'s persona; unset: the caller's
    Stdio stdio;
    bool setgroups_denied = false;
    config::Capabilities capabilities;
    std::vector<config::Rlimit> rlimits;
    std::unique_ptr<SeccompFilter> seccomp;  // null: unconfined
    int start_gate = -1;  // LaunchOptions::start_gate
    int start_result = -1;  // LaunchOptions::start_result
    std::vector<HookProgram> start_hooks;  // LaunchOptions::hooks.start_container
    int listen_fds = 0;   // LaunchOptions::listen_fds: fds 3.. kept, LISTEN_* set (LISTEN_PID in the child)
    std::vector<int> listen_fd_sources;  // LaunchOptions::listen_fd_sources: placed on 3.. first
};

// Prepares the container's process settings; throws Error for a hard rlimit above this host's,
// a seccomp profile libseccomp can't compile or a process without a command.
ProcessPlan MakeProcessPlan(const config::ContainerConfig& config);

// In the child, in this order: terminal or stdio (in a new session), close-on-exec for everything else, rlimits,
// bounding set, user switch (keeping capabilities), cwd, capability sets, no_new_privs, umask,
// personality, seccomp, execve. Seccomp comes last so the filter need not allow the setup's own syscalls, except
// without no_new_privs: loading it then needs CAP_SYS_ADMIN, so it is loaded before the drop.
[[noreturn]] void FinishProcess(const ProcessPlan& plan, int sync);

// The child's error path: reports the exception as one {step, errno} message and exits. With
// wait_for_go the process first waits for the parent's Go (or EOF): the parent is still placing it
// in its cgroup, which needs it alive.
[[noreturn]] void ReportFailureAndExit(int sync, bool wait_for_go = false) noexcept;

}  // namespace berth::launch
