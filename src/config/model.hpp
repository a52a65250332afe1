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
    uint64_t period_us = 0;  // the period the quota is measured over; 0: the kernel's default, 100 ms
    friend bool operator==(const CpuQuota&, const CpuQuota&) = default;
};

// The kernel's default CFS period and the range cpu.cfs_period_us takes (1 ms to 1 s).
inline constexpr uint64_t kDefaultCpuPeriodUsec = 100000;
inline constexpr uint64_t kMinCpuPeriodUsec = 1000;
inline constexpr uint64_t kMaxCpuPeriodUsec = 1000000;
inline uint64_t PeriodOf(const CpuQuota& quota) { return quota.period_us ? quota.period_us : kDefaultCpuPeriodUsec; }

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
    char type = 'c';   // 'c', 'b' or 'p' (a FIFO: no device number, no cgroup rule)
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

// A set of capabilities by number (CAP_CHOWN is 0), as the kernel's masks hold them: the names
// are resolved by the loader (config/capability_names.hpp), never again.
class CapabilitySet {
public:
    CapabilitySet() = default;
    static CapabilitySet FromMask(uint64_t mask) {
        CapabilitySet set;
        set.mask_ = mask;
        return set;
    }
    void Add(int cap) { mask_ |= Bit(cap); }
    bool Contains(int cap) const { return (mask_ & Bit(cap)) != 0; }
    bool empty() const { return mask_ == 0; }
    size_t size() const { return static_cast<size_t>(__builtin_popcountll(mask_)); }
    // Bit N set for capability N, as /proc/PID/status prints CapEff.
    uint64_t Mask() const { return mask_; }
    // The numbers, lowest first.
    std::vector<int> Numbers() const {
        std::vector<int> out;
        for (int cap = 0; cap < 64; ++cap)
            if (Contains(cap))
                out.push_back(cap);
        return out;
    }
    friend bool operator==(const CapabilitySet&, const CapabilitySet&) = default;

private:
    static uint64_t Bit(int cap) { return cap >= 0 && cap < 64 ? uint64_t{1} << cap : 0; }
    uint64_t mask_ = 0;
};

// The five capability sets of the container's processes.
struct Capabilities {
    CapabilitySet bounding;
    CapabilitySet effective;
    CapabilitySet inheritable;
    CapabilitySet permitted;
    CapabilitySet ambient;
    friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

// One resource limit: `resource` is the RLIMIT_* number (config/rlimit_names.hpp names it).
struct Rlimit {
    int resource = 0;
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

// A seccomp profile, parsed and its names checked against libseccomp's tables by the loader
// (config/seccomp_profile.hpp); launch compiles it without looking at a name's spelling again.
enum class SeccompAction { Allow, Errno, Kill, KillProcess, Trap, Log, Trace };

enum class SeccompOp { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq };

// A condition on one argument of the syscall (libseccomp's scmp_arg_cmp).
struct SeccompArg {
    unsigned index = 0;  // 0..5
    uint64_t value = 0;
    uint64_t value_two = 0;  // the mask's operand with masked_eq
    SeccompOp op = SeccompOp::Eq;
    friend bool operator==(const SeccompArg&, const SeccompArg&) = default;
};

struct SeccompRule {
    std::vector<std::string> names;  // each one a syscall libseccomp knows
    SeccompAction action = SeccompAction::Errno;
    int errno_value = 1;  // EPERM
    std::vector<SeccompArg> args;
    friend bool operator==(const SeccompRule&, const SeccompRule&) = default;
};

struct SeccompProfile {
    SeccompAction default_action = SeccompAction::Allow;
    int default_errno = 1;
    std::vector<std::string> architectures;  // libseccomp names besides the native one
    unsigned flags = 0;                      // SECCOMP_FILTER_FLAG_* for seccomp(2)
    std::vector<SeccompRule> rules;
    friend bool operator==(const SeccompProfile&, const SeccompProfile&) = default;
};

enum class SeccompMode { Default, Unconfined, Profile };

struct SeccompConfig {
    SeccompMode mode = SeccompMode::Default;
    SeccompProfile profile;    // with mode == Profile: the file's profile, read when the config was loaded
    std::string profile_path;  // with mode == Profile: the absolute path it was read from
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
    std::optional<uint32_t> umask;  // OCI's process.user.umask (no TOML key); unset: 0022
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
    std::optional<ByteSize> memory_low;         // v1 memory.soft_limit_in_bytes, v2 memory.low (OCI's reservation)
    std::optional<uint64_t> memory_swappiness;  // 0..100, cgroup v1 only (memory.swappiness)
    std::optional<std::string> allowed_mems;    // cpuset.mems, "0-1"
    bool oom_kill_disable = false;              // cgroup v1 only (memory.oom_control); OCI's disableOOMKiller
    // hugetlb controller: at most so many bytes of pages of a size, by the size as the kernel's
    // hugetlb.<size>.* files name it ("2MB", "1GB").
    std::map<std::string, ByteSize> hugepage_limits;
    std::map<std::string, std::string> unified;  // cgroup v2 files by name ("memory.high"), written as given
    friend bool operator==(const Resources&, const Resources&) = default;
};

// Where the container's cgroup goes instead of Berth's default (berth-NAME.scope in berth.slice;
// MOUNT/berth/NAME): OCI's linux.cgroupsPath. Set by the runtime CLI only, no TOML key.
struct CgroupLocation {
    std::string slice;  // systemd driver: the scope's slice ("machine.slice"); empty: berth.slice
    std::string scope;  // systemd driver: the scope's unit ("libpod-ID.scope"); empty: berth-NAME.scope
    std::string path;   // cgroupfs driver: "/default/ID", below each hierarchy's mount; empty: /berth/NAME
    bool empty() const { return slice.empty() && scope.empty() && path.empty(); }
    friend bool operator==(const CgroupLocation&, const CgroupLocation&) = default;
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

// namespaces.time = true: a new time namespace, its CLOCK_BOOTTIME and CLOCK_MONOTONIC offset
// from the host's by [time_offsets] boot and monotonic (seconds, may be negative).
struct TimeNamespace {
    bool create = false;
    int64_t boot_offset = 0;
    int64_t monotonic_offset = 0;
    friend bool operator==(const TimeNamespace&, const TimeNamespace&) = default;
};

struct ContainerConfig {
    std::string name;
    std::string rootfs;  // absolute path
    bool rootfs_readonly = false;
    std::string hostname;
    // OCI-only (the runtime CLI sets them; no TOML key yet): the NIS domain name (a new uts
    // namespace), the execution domain ("" the host's, "linux", "linux32"), sysctls written
    // under /proc/sys inside the container's namespaces ("net.ipv4.ip_forward" -> "1") and the
    // propagation of the container's "/" after pivot_root ("" = private; "shared", "rslave",
    // "unbindable", ... as a mount option names it).
    std::string domainname;
    std::string rootfs_propagation;
    std::string personality;
    std::map<std::string, std::string> sysctl;
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
    CgroupLocation cgroup_location;
    CheckpointDefaults checkpoint;
    Duration stop_timeout = std::chrono::seconds(10);
    // Under a Type=notify service: "started" (berthctl's READY=1 once the init runs) or
    // "container" (the container's own READY=1, through a NOTIFY_SOCKET passed in).
    std::string notify = "started";
    TimeNamespace time_namespace;
    // cgroup_mount: the container's own cgroups at /sys/fs/cgroup ("ro", "rw"), or not ("none").
    std::string cgroup_mount = "none";
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
