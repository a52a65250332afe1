#pragma once
// Mapping config::Resources onto cgroup file writes, v1 and v2, without touching the kernel.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "config/model.hpp"

namespace berth::cgroup {

// A resource value meaning "no limit" (written "max" on v2, "-1" on v1).
inline constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

// One cgroup file write: the file (in the hierarchy of its controller) and the value.
struct FileWrite {
    std::string controller;  // "memory", "cpu", "pids", "blkio", "io", "cpuset", "hugetlb", "devices"
    std::string file;        // "memory.max"
    std::string value;       // "536870912"
    bool only_if_present = false;  // optional kernel feature (swap accounting, a blkio weight file)
    friend bool operator==(const FileWrite&, const FileWrite&) = default;
};

// v1 files for the given resources, in the order to write them. memory_high has no v1 equivalent
// (skipped); swap becomes memory.memsw.limit_in_bytes = memory + swap (only with memory_max).
std::vector<FileWrite> ResourcesToV1Writes(const config::Resources& resources);
// v2 files for the given resources. Device rules are not files on v2 (they need BPF): skipped.
std::vector<FileWrite> ResourcesToV2Writes(const config::Resources& resources);
// OCI's `unified` map as v2 writes, in key order; the controller is the key's prefix ("memory" for
// "memory.high", "cgroup" for the core files, which every cgroup2 directory has).
std::vector<FileWrite> UnifiedToV2Writes(const config::Resources& resources);
std::string UnifiedKeyController(const std::string& key);
// Device rules only, v1 (devices.deny / devices.allow lines in order).
std::vector<FileWrite> DeviceRulesToV1Writes(const std::vector<config::DeviceRule>& rules);

// cgroup2 cpu.weight (1..10000, default 100) <-> v1 cpu.shares (2..262144, default 1024).
uint64_t CpuWeightToShares(uint64_t weight);
uint64_t CpuSharesToWeight(uint64_t shares);
// io.weight (1..10000, default 100) <-> v1 blkio.weight (10..1000, default 500).
uint64_t IoWeightToBlkioWeight(uint64_t weight);
uint64_t BlkioWeightToIoWeight(uint64_t weight);

// Whether a value read back from a cgroup file shows the value written (the kernel rounds memory
// limits down to whole pages and prints "max" or a huge number for unlimited). Files whose
// format the kernel rewrites (cpuset lists, device rules) are always accepted.
bool WriteTookEffect(const FileWrite& write, const std::string& read_back, uint64_t page_size);

}  // namespace berth::cgroup
