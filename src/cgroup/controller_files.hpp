#pragma once
// Names of the cgroup files Berth reads and writes, v1 and v2, in one place.

namespace berth::cgroup::files {

// Both versions.
inline constexpr const char* kProcs = "cgroup.procs";
inline constexpr const char* kPidsMax = "pids.max";
inline constexpr const char* kPidsCurrent = "pids.current";
inline constexpr const char* kCpusetCpus = "cpuset.cpus";
inline constexpr const char* kCpusetMems = "cpuset.mems";
inline constexpr const char* kMemoryStat = "memory.stat";
inline constexpr const char* kCpuStat = "cpu.stat";

// cgroup v1.
inline constexpr const char* kMemoryLimit = "memory.limit_in_bytes";
inline constexpr const char* kMemorySoftLimit = "memory.soft_limit_in_bytes";
inline constexpr const char* kMemorySwappiness = "memory.swappiness";
inline constexpr const char* kMemswLimit = "memory.memsw.limit_in_bytes";
inline constexpr const char* kMemoryUsage = "memory.usage_in_bytes";
inline constexpr const char* kMemoryMaxUsage = "memory.max_usage_in_bytes";
inline constexpr const char* kMemoryOomControl = "memory.oom_control";
inline constexpr const char* kCpuShares = "cpu.shares";
inline constexpr const char* kCfsQuota = "cpu.cfs_quota_us";
inline constexpr const char* kCfsPeriod = "cpu.cfs_period_us";
inline constexpr const char* kCpuacctUsage = "cpuacct.usage";
inline constexpr const char* kCpuacctUsageUser = "cpuacct.usage_user";
inline constexpr const char* kCpuacctUsageSys = "cpuacct.usage_sys";
inline constexpr const char* kCpuacctStat = "cpuacct.stat";
inline constexpr const char* kBlkioWeight = "blkio.weight";
inline constexpr const char* kBlkioBfqWeight = "blkio.bfq.weight";
inline constexpr const char* kBlkioServiceBytes = "blkio.throttle.io_service_bytes";
inline constexpr const char* kBlkioServiceBytesRecursive = "blkio.throttle.io_service_bytes_recursive";
inline constexpr const char* kDevicesAllow = "devices.allow";
inline constexpr const char* kDevicesDeny = "devices.deny";
inline constexpr const char* kFreezerState = "freezer.state";

// cgroup v2.
inline constexpr const char* kMemoryMax = "memory.max";
inline constexpr const char* kMemoryHigh = "memory.high";
inline constexpr const char* kMemoryLow = "memory.low";
inline constexpr const char* kMemorySwapMax = "memory.swap.max";
inline constexpr const char* kMemoryCurrent = "memory.current";
inline constexpr const char* kMemoryPeak = "memory.peak";
inline constexpr const char* kMemoryEvents = "memory.events";
inline constexpr const char* kCpuWeight = "cpu.weight";
inline constexpr const char* kCpuMax = "cpu.max";
inline constexpr const char* kIoWeight = "io.weight";
inline constexpr const char* kIoStat = "io.stat";
inline constexpr const char* kSubtreeControl = "cgroup.subtree_control";
inline constexpr const char* kControllers = "cgroup.controllers";
inline constexpr const char* kFreeze = "cgroup.freeze";
inline constexpr const char* kEvents = "cgroup.events";
inline constexpr const char* kKill = "cgroup.kill";

}  // namespace berth::cgroup::files
