#pragma once
// What berthd asks of the container layer below it. The bus objects only see this interface:
// ManagerEngine implements it over the Manager; tests can implement it with a fake.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "util/error.hpp"

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
    int32_t exit_status = -1;   // -1: not exited, or unknown
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

struct ExecFds {
    int in = -1, out = -1, err = -1;  // borrowed; valid for the duration of the call
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
    virtual ContainerRecord Start(const std::string& name) = 0;
    // SIGTERM, SIGKILL after timeout (zero: the container's configured stop timeout); waits for the exit.
    virtual ContainerRecord Stop(const std::string& name, std::chrono::microseconds timeout) = 0;
    virtual ContainerRecord Kill(const std::string& name, int signal) = 0;
    virtual void Remove(const std::string& name, bool force) = 0;
    virtual ContainerRecord Pause(const std::string& name) = 0;
    virtual ContainerRecord Resume(const std::string& name) = 0;
    virtual ContainerRecord Update(const std::string& name, const Options& resources) = 0;
    virtual pid_t Exec(const std::string& name, const std::vector<std::string>& argv,
                       const std::vector<std::string>& env, ExecFds fds) = 0;
    virtual void Checkpoint(const std::string& name, const std::string& image_path, const Options& options) = 0;
    virtual ContainerRecord Restore(const std::string& name, const std::string& image_path, const Options& options) = 0;
    // Called after the leader's pidfd became readable: collects the exit status, records "stopped".
    virtual ContainerRecord Reap(const std::string& name) = 0;
};

}  // namespace berth::bus
