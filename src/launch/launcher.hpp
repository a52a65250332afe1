#pragma once
// Creating a container's init process (two-stage spawn) and entering a running container (exec).
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/driver.hpp"
#include "config/model.hpp"
#include "util/fd.hpp"
#include "util/hook_program.hpp"

namespace berth::launch {

// The three fds handed to the container's process as 0, 1, 2 (or a terminal, see Terminal), and
// how many of the caller's fds from 3 on it keeps as they are (OCI's --preserve-fds).
// A terminal's window size (TIOCSWINSZ), set before the program runs; 0 x 0: unset.
struct WindowSize {
    unsigned short rows = 0, columns = 0;
};

struct Stdio {
    int in = 0, out = 1, err = 2;
    unsigned preserved = 0;
};

// The OCI hooks that run while the init sets up (runtime-spec: createRuntime, then createContainer
// before pivot_root; startContainer at start). Any of them needs a start gate.
struct SetupHooks {
    // Called in this process once the init's namespaces and mounts exist and before it pivots (the
    // runtime's prestart and createRuntime hooks); returns the state JSON the createContainer hooks
    // get on stdin. A throw fails the launch.
    std::function<std::string(pid_t pid)> before_pivot;
    // Run by the init in the container's namespaces, before pivot_root, cwd the rootfs (their
    // paths resolve in the runtime's mount namespace, whose root is still reachable).
    std::vector<HookProgram> create_container;
    // Run by the init after its start gate opens and before execve, in the container (paths resolve
    // in its root) as the container's process; the state comes through the gate (start_gate.hpp).
    std::vector<HookProgram> start_container;
    bool Any() const { return before_pivot || !create_container.empty() || !start_container.empty(); }
    bool BeforePivot() const { return before_pivot || !create_container.empty(); }
};

struct LaunchOptions {
    std::string container_id;  // the container's name (unit berth-<id>.scope, cgroup name)
    Stdio stdio;
    // With config.process.terminal: the launcher allocates a pty inside the container and returns
    // its master here (the caller relays it and forwards window size changes).
    bool want_terminal_master = false;
    WindowSize window;  // with a terminal: its size from the start (the relaying client's)
    // OCI create: an fd (a FIFO opened read-write, see manager/start_gate.hpp) the init reads one
    // byte from right before execve. Launch then returns once the init waits there; the init must
    // outlive this process, so it gets a copy of our memory instead of sharing it. -1: exec at once.
    int start_gate = -1;
    // With start_gate: the write end of the gate's result FIFO (start_gate.hpp). The init keeps it
    // (close-on-exec) until execve and writes the reason there when its startContainer hooks fail.
    int start_result = -1;
    SetupHooks hooks;
    // Called once the init sits in its cgroup and before it may execve (it waits for Go): the
    // caller records pid and placement, so that whatever happens to this process from here on
    // leaves a container that can be found and removed. A throw aborts the launch.
    std::function<void(pid_t pid, unsigned long long start_time, const cgroup::Placement& placement)> on_placed;
    // Socket activation: our fds 3..3+listen_fds-1 (systemd's LISTEN_FDS) stay open in the init as
    // they are, and it gets LISTEN_FDS, LISTEN_PID (its own pid, as it sees it) and LISTEN_FDNAMES.
    int listen_fds = 0;
    std::string listen_fd_names;
    // The socket activation fds where they are in this process (listen_fds of them), when not on
    // 3..: the init gets them on 3.. all the same. Every fd this process opens after them (the
    // launch's own sockets) must lie above 3+listen_fds-1 (a monitor fills the gaps first).
    std::vector<int> listen_fd_sources;
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
    WindowSize window;  // with terminal
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
