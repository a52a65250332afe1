#pragma once
// The container configuration as plain data: what the TOML files say, parsed and typed.
// Nothing here acts on the system; the launcher, cgroup and checkpoint layers read it.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::config {

// A size in bytes, written "512M", "2G", "1024" in TOML (binary multiples: K = 1024).
struct ByteSize {
    uint64_t bytes = 0;
    friend bool operator==(const ByteSize&, const ByteSize&) = default;
};

// A CPU quota as a percentage of one CPU, written "150%": 150 means 1.5 CPUs.
struct CpuQuota {
    uint32_t percent = 0;
    friend bool operator==(const CpuQuota&, const CpuQuota&) = default;
};

// A duration, written "30s", "500ms", "2min", "1h".
using Duration = std::chrono::microseconds;

enum class NamespaceKind { Mount, Uts, Ipc, Pid, Net, User, Cgroup };

// All kinds, in the order the launcher joins them (user first: it grants the rights for the others).
inline constexpr NamespaceKind kAllNamespaceKinds[] = {
    NamespaceKind::User, NamespaceKind::Ipc,  NamespaceKind::Uts,   NamespaceKind::Net,
    NamespaceKind::Pid,  NamespaceKind::Mount, NamespaceKind::Cgroup,
};

// The TOML key of a namespace kind ("mount", "uts", "ipc", "pid", "net", "user", "cgroup").
const char* NamespaceKindName(NamespaceKind kind);
std::optional<NamespaceKind> NamespaceKindFromName(const std::string& name);

// One namespace: created new, or joined by path (e.g. net = "/run/netns/web").
struct NamespaceConfig {
    NamespaceKind kind;
    std::optional<std::string> path;  // join this one; otherwise create a new one
    friend bool operator==(const NamespaceConfig&, const NamespaceConfig&) = default;
};

enum class Propagation { None, Private, Slave, Shared, RPrivate, RSlave, RShared };

struct MountConfig {
    std::string source;
    std::string destination;  // absolute, inside the container
    std::string type;         // "bind", "proc", "tmpfs", ...
    std::vector<std::string> options;  // as written: "ro", "rbind", "nosuid", "mode=755", "rprivate", ...
    friend bool operator==(const MountConfig&, const MountConfig&) = default;
};

struct DeviceConfig {
    std::string path;  // absolute path inside the container, e.g. "/dev/null"
    char type = 'c';   // 'c' or 'b'
    int64_t major = 0;
    int64_t minor = 0;
    uint32_t file_mode = 0666;
    uid_t uid = 0;
    gid_t gid = 0;
    friend bool operator==(const DeviceConfig&, const DeviceConfig&) = default;
};

// A device cgroup rule: allow or deny access to a device (or a class of them).
struct DeviceRule {
    bool allow = false;
    char type = 'a';                // 'a', 'c' or 'b'
    std::optional<int64_t> major;   // nullopt = any
    std::optional<int64_t> minor;   // nullopt = any
    std::string access = "rwm";
    friend bool operator==(const DeviceRule&, const DeviceRule&) = default;
};

// The five capability sets, as names without the "CAP_" prefix in lower case ("net_bind_service").
struct Capabilities {
    std::vector<std::string> bounding;
    std::vector<std::string> effective;
    std::vector<std::string> inheritable;
    std::vector<std::string> permitted;
    std::vector<std::string> ambient;
    friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

struct Rlimit {
    std::string type;  // "nofile", "nproc", ... (RLIMIT_ without prefix, lower case)
    uint64_t soft = 0;
    uint64_t hard = 0;
    friend bool operator==(const Rlimit&, const Rlimit&) = default;
};

struct IdMapping {
    uint32_t container_id = 0;
    uint32_t host_id = 0;
    uint32_t size = 0;
    friend bool operator==(const IdMapping&, const IdMapping&) = default;
};

enum class SeccompMode { Default, Unconfined, Profile };

struct SeccompConfig {
    SeccompMode mode = SeccompMode::Default;
    std::string profile;  // absolute path of a profile file when mode == Profile
    friend bool operator==(const SeccompConfig&, const SeccompConfig&) = default;
};

struct ProcessConfig {
    std::vector<std::string> args;
    std::vector<std::string> env;  // "KEY=value"
    std::string cwd = "/";
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> additional_gids;
    bool no_new_privileges = true;
    bool terminal = false;
    friend bool operator==(const ProcessConfig&, const ProcessConfig&) = default;
};

struct Resources {
    std::optional<ByteSize> memory_max;
    std::optional<ByteSize> memory_high;
    std::optional<ByteSize> memory_swap_max;
    std::optional<uint64_t> cpu_weight;  // 1..10000
    std::optional<CpuQuota> cpu_quota;
    std::optional<uint64_t> tasks_max;
    std::optional<uint64_t> io_weight;   // 1..10000
    std::optional<std::string> allowed_cpus;  // "0-1,3"
    std::vector<DeviceRule> devices;
    friend bool operator==(const Resources&, const Resources&) = default;
};

struct CheckpointDefaults {
    bool tcp_established = false;
    bool ext_unix_sk = false;
    bool shell_job = false;
    bool file_locks = false;
    // ignore: Berth's restore makes the cgroup itself and never reads what CRIU records at dump.
    std::string manage_cgroups_mode = "ignore";  // soft, full, strict, ignore
    // How long one CRIU request (dump, restore) may take before CRIU is killed.
    std::chrono::microseconds criu_timeout = std::chrono::minutes(10);
    friend bool operator==(const CheckpointDefaults&, const CheckpointDefaults&) = default;
};

struct ContainerConfig {
    std::string name;
    std::string rootfs;  // absolute path
    bool rootfs_readonly = false;
    std::string hostname;
    ProcessConfig process;
    std::vector<NamespaceConfig> namespaces;
    std::vector<MountConfig> mounts;
    std::vector<DeviceConfig> devices;
    std::vector<std::string> masked_paths;
    std::vector<std::string> readonly_paths;
    Capabilities capabilities;
    std::vector<Rlimit> rlimits;
    std::vector<IdMapping> uid_mappings;
    std::vector<IdMapping> gid_mappings;
    SeccompConfig seccomp;
    Resources resources;
    CheckpointDefaults checkpoint;
    Duration stop_timeout = std::chrono::seconds(10);
    // Under a Type=notify service: "started" (berthctl's READY=1 once the init runs) or
    // "container" (the container's own READY=1, through a NOTIFY_SOCKET passed in).
    std::string notify = "started";
    friend bool operator==(const ContainerConfig&, const ContainerConfig&) = default;

    // The namespace entry of a kind, if the container has one.
    const NamespaceConfig* FindNamespace(NamespaceKind kind) const;
};

// The daemon's own configuration (berthd.toml + berthd.toml.d/).
struct DaemonConfig {
    std::string state_dir = "/run/berth";
    std::string cgroup_driver = "auto";  // systemd, cgroupfs, auto
    std::string criu_path;               // empty: find "criu" on PATH
    Duration job_timeout = std::chrono::seconds(30);
    std::string log_dir = "/var/log/berth";
    friend bool operator==(const DaemonConfig&, const DaemonConfig&) = default;
};

}  // namespace berth::config
