#pragma once
// What berthd asks of the container layer below it. The bus objects only see this interface:
// ManagerEngine implements it over the Manager; tests can implement it with a fake.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "cgroup/driver.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth::bus {

// What the Container object's properties show, read by the bus loop without touching the system.
struct ContainerRecord {
    std::string name;
    std::string id;
    std::string state;  // created, running, paused, stopped
    pid_t leader = 0;   // 0 when not running
    unsigned long long leader_start_time = 0;  // /proc/PID/stat field 22, to verify a pidfd
    std::string unit;
    std::string rootfs;
    std::string network_namespace;
    uint64_t created_usec = 0;  // CLOCK_REALTIME
    uint64_t created_nsec = 0;  // the same instant to the nanosecond, as the state records it
    std::string cgroup_driver;  // "systemd" or "cgroupfs"
    std::map<std::string, std::string> control_groups;  // hierarchy ("unified", "memory", ...) -> cgroup path
    int32_t exit_status = -1;   // -1: not exited, or unknown
    uint64_t oom_kills = 0;     // OOM kills in its memory cgroup
    friend bool operator==(const ContainerRecord&, const ContainerRecord&) = default;
};

// The kinds of failure the API names (org.berth1.Error.<Kind>); anything else is Failed.
enum class ApiErrorKind { NoSuchContainer, ContainerExists, InvalidConfig, InvalidState, PermissionDenied, Failed };

class ApiError : public Error {
public:
    ApiError(ApiErrorKind kind, std::string message, int err = 0) : Error(std::move(message), err), kind_(kind) {}
    ApiErrorKind Kind() const noexcept { return kind_; }

private:
    ApiErrorKind kind_;
};

// a{sv} values as they arrive from the bus, already unpacked.
using OptionValue = std::variant<bool, int64_t, uint64_t, std::string, std::vector<std::string>>;
using Options = std::map<std::string, OptionValue>;

// One process of a container's cgroup.
struct ProcessInfo {
    pid_t pid = 0;
    std::string command_line;  // /proc/PID/cmdline, arguments joined by spaces; "" if gone
};

// stdin/stdout/stderr for an exec'd process or a container's init; -1 everywhere = the default
// (for an init: /dev/null and the journal).
struct ExecFds {
    int in = -1, out = -1, err = -1;  // borrowed; valid for the duration of the call
    bool Given() const { return in >= 0 && out >= 0 && err >= 0; }
    // Start of a terminal container: the socket its pty master is sent on (SCM_RIGHTS); -1: none.
    int console_socket = -1;
    // Start: socket activation fds (borrowed), the init's 3.. with LISTEN_FDS and LISTEN_FDNAMES.
    std::vector<int> listen_fds;
    std::string listen_fd_names;
    // Exec: a pty for the process instead of in/out/err; its master comes back in ExecStarted.
    bool terminal = false;
    // With a terminal (console_socket or terminal): its window size from the start; 0: unset.
    unsigned short rows = 0, columns = 0;
};

// A process ExecContainer started: berthd's child, reaped by the daemon through its pidfd.
struct ExecStarted {
    pid_t pid = 0;
    std::shared_ptr<UniqueFd> pidfd;
    std::shared_ptr<UniqueFd> terminal_master;  // with ExecFds::terminal
};

// Every call may block (it runs on a worker thread); calls for one container never overlap.
class Engine {
public:
    virtual ~Engine() = default;
    // Names of every container in the state directory.
    virtual std::vector<std::string> List() = 0;
    // Re-adopts a container from its state (leader verified by pidfd and start time).
    // Throws on a corrupt state; never kills anything.
    virtual ContainerRecord Load(const std::string& name) = 0;
    // toml "" = NAME.toml from the configuration search path.
    virtual ContainerRecord Create(const std::string& name, const std::string& toml, const Options& overrides) = 0;
    // stdio given: the init gets those fds (a foreground berthctl's own) instead of the journal.
    virtual ContainerRecord Start(const std::string& name, ExecFds stdio) = 0;
    // SIGTERM, SIGKILL after timeout (zero: the container's configured stop timeout); waits for the exit.
    virtual ContainerRecord Stop(const std::string& name, std::chrono::microseconds timeout) = 0;
    virtual ContainerRecord Kill(const std::string& name, int signal) = 0;
    virtual void Remove(const std::string& name, bool force) = 0;
    virtual ContainerRecord Pause(const std::string& name) = 0;
    virtual ContainerRecord Resume(const std::string& name) = 0;
    virtual ContainerRecord Update(const std::string& name, const Options& resources) = 0;
    // cwd "": the container's working directory.
    virtual ExecStarted Exec(const std::string& name, const std::vector<std::string>& argv,
                             const std::vector<std::string>& env, const std::string& cwd, ExecFds fds) = 0;
    // Every process in the container's cgroup, and its resource usage (read-only, any caller).
    virtual std::vector<ProcessInfo> Processes(const std::string& name) = 0;
    virtual cgroup::Stats Stats(const std::string& name) = 0;
    virtual void Checkpoint(const std::string& name, const std::string& image_path, const Options& options) = 0;
    // stdio given: the restored init's stdin/stdout/stderr are those fds (as Start's).
    virtual ContainerRecord Restore(const std::string& name, const std::string& image_path, const Options& options,
                                    ExecFds stdio) = 0;
    // Called after the leader's pidfd became readable: collects the exit status, records "stopped".
    virtual ContainerRecord Reap(const std::string& name) = 0;
};

}  // namespace berth::bus
