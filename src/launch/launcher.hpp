#pragma once
// Creating a container's init process (two-stage spawn) and entering a running container (exec).
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "cgroup/driver.hpp"
#include "config/model.hpp"
#include "util/fd.hpp"

namespace berth::launch {

// The three fds handed to the container's process as 0, 1, 2 (or a terminal, see Terminal).
struct Stdio {
    int in = 0, out = 1, err = 2;
};

struct LaunchOptions {
    std::string container_id;  // the container's name (unit berth-<id>.scope, cgroup name)
    Stdio stdio;
    // With config.process.terminal: the launcher allocates a pty inside the container and returns
    // its master here (the caller relays it and forwards window size changes).
    bool want_terminal_master = false;
    // OCI create: an fd (a FIFO opened read-write, see manager/start_gate.hpp) the init reads one
    // byte from right before execve. Launch then returns once the init waits there; the init must
    // outlive this process, so it gets a copy of our memory instead of sharing it. -1: exec at once.
    int start_gate = -1;
};

// A running container init (or one waiting at its start gate).
struct Launched {
    pid_t pid = -1;
    UniqueFd pidfd;                 // pidfd_open(pid) taken before the process was released
    cgroup::Placement placement;    // where the cgroup driver put it
    UniqueFd terminal_master;       // only with a terminal
    unsigned long long start_time = 0;  // /proc/PID/stat field 22, to tell a reused pid apart
};

// Spawns the container: clone with the CLONE_NEW* flags, uid/gid maps, cgroup placement by the
// driver, then rootfs/caps/seccomp/... in the child and exec of config.process.args.
// Any failure in the child is thrown here as one Error naming the step and errno, with nothing left
// behind (process killed and reaped, cgroup destroyed).
Launched Launch(const config::ContainerConfig& config, cgroup::Driver& cgroups, const LaunchOptions& options);

// An exec'd process of its own (runtime-spec exec --process): its user, groups, capabilities,
// rlimits, no_new_privileges and environment instead of the container's init's.
struct ExecProcess {
    config::ProcessConfig process;  // args, cwd and terminal: the request's when it sets them
    config::Capabilities capabilities;
    std::vector<config::Rlimit> rlimits;
};

struct ExecRequest {
    std::vector<std::string> args;
    std::vector<std::string> env;  // empty: the container's process env
    std::optional<std::string> cwd;
    bool terminal = false;
    Stdio stdio;
    std::optional<ExecProcess> process;  // unset: the container's process settings
};

// Starts a new process inside the running container whose init is `init_pid`: all its namespaces,
// its capabilities, seccomp, user, cwd and cgroup. Returns the new process' pid (and pidfd).
struct Executed {
    pid_t pid = -1;
    UniqueFd pidfd;
    UniqueFd terminal_master;
};
Executed Exec(const config::ContainerConfig& config, pid_t init_pid, const cgroup::Placement& placement,
              cgroup::Driver& cgroups, const ExecRequest& request);

}  // namespace berth::launch
