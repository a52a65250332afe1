// config::Resources -> (file, value) writes for v1 and v2; weight conversions; read-back checks.
#include <gtest/gtest.h>

#include <algorithm>

#include "cgroup/resources.hpp"

namespace berth::cgroup {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

config::Resources Full() {
    config::Resources r;
    r.memory_max = config::ByteSize{512 * kMiB};
    r.memory_high = config::ByteSize{400 * kMiB};
    r.memory_swap_max = config::ByteSize{128 * kMiB};
    r.cpu_weight = 200;
    r.cpu_quota = config::CpuQuota{150};
    r.tasks_max = 64;
    r.io_weight = 50;
    r.allowed_cpus = "0-1";
    return r;
}

const FileWrite* Find(const std::vector<FileWrite>& writes, const std::string& file) {
    auto it = std::find_if(writes.begin(), writes.end(), [&](const FileWrite& w) { return w.file == file; });
    return it == writes.end() ? nullptr : &*it;
}

std::string Value(const std::vector<FileWrite>& writes, const std::string& file) {
    const FileWrite* w = Find(writes, file);
    return w == nullptr ? "<absent>" : w->value;
}

TEST(CgroupResources, V2Files) {
    auto writes = ResourcesToV2Writes(Full());
    EXPECT_EQ(Value(writes, "memory.max"), "536870912");
    EXPECT_EQ(Value(writes, "memory.high"), "419430400");
    EXPECT_EQ(Value(writes, "memory.swap.max"), "134217728");
    EXPECT_TRUE(Find(writes, "memory.swap.max")->only_if_present);
    EXPECT_EQ(Value(writes, "cpu.weight"), "200");
    EXPECT_EQ(Value(writes, "cpu.max"), "150000 100000");
    EXPECT_EQ(Value(writes, "pids.max"), "64");
    EXPECT_EQ(Value(writes, "io.weight"), "default 50");
    EXPECT_EQ(Value(writes, "cpuset.cpus"), "0-1");
    EXPECT_EQ(Find(writes, "memory.max")->controller, "memory");
    EXPECT_EQ(Find(writes, "cpu.max")->controller, "cpu");
}

TEST(CgroupResources, V1Files) {
    auto writes = ResourcesToV1Writes(Full());
    EXPECT_EQ(Value(writes, "memory.limit_in_bytes"), "536870912");
    // memsw limits memory and swap together.
    EXPECT_EQ(Value(writes, "memory.memsw.limit_in_bytes"), std::to_string(640 * kMiB));
    EXPECT_EQ(Find(writes, "memory.high"), nullptr);
    EXPECT_EQ(Value(writes, "cpu.shares"), "2048");
    EXPECT_EQ(Value(writes, "cpu.cfs_period_us"), "100000");
    EXPECT_EQ(Value(writes, "cpu.cfs_quota_us"), "150000");
    EXPECT_EQ(Value(writes, "pids.max"), "64");
    EXPECT_EQ(Value(writes, "blkio.weight"), "250");
    EXPECT_EQ(Value(writes, "cpuset.cpus"), "0-1");
    // The period is written before the quota so the kernel checks the quota against it.
    auto period = std::find_if(writes.begin(), writes.end(), [](auto& w) { return w.file == "cpu.cfs_period_us"; });
    auto quota = std::find_if(writes.begin(), writes.end(), [](auto& w) { return w.file == "cpu.cfs_quota_us"; });
    EXPECT_LT(period, quota);
}

// OCI's memory.reservation, swappiness, cpu.mems and hugepageLimits; `unified` is v2 only.
config::Resources OciOnly() {
    config::Resources r;
    r.memory_low = config::ByteSize{32 * kMiB};
    r.memory_swappiness = 10;
    r.allowed_mems = "0";
    r.hugepage_limits = {{"2MB", config::ByteSize{4 * kMiB}}};
    r.unified = {{"cgroup.max.descendants", "5"}};
    return r;
}

TEST(CgroupResources, OciOnlyLimitsV1Files) {
    auto writes = ResourcesToV1Writes(OciOnly());
    EXPECT_EQ(Value(writes, "memory.soft_limit_in_bytes"), std::to_string(32 * kMiB));
    EXPECT_EQ(Value(writes, "memory.swappiness"), "10");
    EXPECT_EQ(Value(writes, "cpuset.mems"), "0");
    EXPECT_EQ(Value(writes, "hugetlb.2MB.limit_in_bytes"), std::to_string(4 * kMiB));
    EXPECT_EQ(Find(writes, "hugetlb.2MB.limit_in_bytes")->controller, "hugetlb");
    EXPECT_EQ(Find(writes, "cgroup.max.descendants"), nullptr);
}

TEST(CgroupResources, OciOnlyLimitsV2Files) {
    auto writes = ResourcesToV2Writes(OciOnly());
    EXPECT_EQ(Value(writes, "memory.low"), std::to_string(32 * kMiB));
    EXPECT_EQ(Find(writes, "memory.swappiness"), nullptr);
    EXPECT_EQ(Value(writes, "cpuset.mems"), "0");
    EXPECT_EQ(Value(writes, "hugetlb.2MB.max"), std::to_string(4 * kMiB));
    auto unified = UnifiedToV2Writes(OciOnly());
    ASSERT_EQ(unified.size(), 1u);
    EXPECT_EQ(unified[0], (FileWrite{"cgroup", "cgroup.max.descendants", "5"}));
    EXPECT_EQ(UnifiedKeyController("memory.high"), "memory");
}

TEST(CgroupResources, NothingConfiguredWritesNothing) {
    EXPECT_TRUE(ResourcesToV1Writes({}).empty());
    EXPECT_TRUE(ResourcesToV2Writes({}).empty());
}

TEST(CgroupResources, UnlimitedValues) {
    config::Resources r;
    r.memory_max = config::ByteSize{kUnlimited};
    r.tasks_max = kUnlimited;
    r.cpu_quota = config::CpuQuota{0};
    auto v1 = ResourcesToV1Writes(r);
    EXPECT_EQ(Value(v1, "memory.limit_in_bytes"), "-1");
    EXPECT_EQ(Value(v1, "pids.max"), "max");
    EXPECT_EQ(Value(v1, "cpu.cfs_quota_us"), "-1");
    auto v2 = ResourcesToV2Writes(r);
    EXPECT_EQ(Value(v2, "memory.max"), "max");
    EXPECT_EQ(Value(v2, "pids.max"), "max");
    EXPECT_EQ(Value(v2, "cpu.max"), "max 100000");
}

TEST(CgroupResources, SwapWithoutMemoryIsSkippedOnV1) {
    config::Resources r;
    r.memory_swap_max = config::ByteSize{kMiB};
    EXPECT_EQ(Find(ResourcesToV1Writes(r), "memory.memsw.limit_in_bytes"), nullptr);
    EXPECT_EQ(Value(ResourcesToV2Writes(r), "memory.swap.max"), "1048576");
}

TEST(CgroupResources, DeviceRulesV1InOrder) {
    config::Resources r;
    r.devices = {{false, 'a', std::nullopt, std::nullopt, "rwm"},
                 {true, 'c', 1, 3, "rwm"},
                 {true, 'c', 136, std::nullopt, "rw"},
                 {false, 'b', 8, 0, "w"}};
    auto writes = ResourcesToV1Writes(r);
    ASSERT_EQ(writes.size(), 4u);
    EXPECT_EQ(writes[0], (FileWrite{"devices", "devices.deny", "a"}));
    EXPECT_EQ(writes[1], (FileWrite{"devices", "devices.allow", "c 1:3 rwm"}));
    EXPECT_EQ(writes[2], (FileWrite{"devices", "devices.allow", "c 136:* rw"}));
    EXPECT_EQ(writes[3], (FileWrite{"devices", "devices.deny", "b 8:0 w"}));
    // v2 device control would need BPF: no files.
    EXPECT_TRUE(ResourcesToV2Writes(r).empty());
}

TEST(CgroupResources, CpuWeightSharesConversion) {
    EXPECT_EQ(CpuWeightToShares(100), 1024u);
    EXPECT_EQ(CpuSharesToWeight(1024), 100u);
    EXPECT_EQ(CpuWeightToShares(1), 10u);
    EXPECT_EQ(CpuWeightToShares(10000), 102400u);
    EXPECT_EQ(CpuSharesToWeight(2), 1u);
    EXPECT_EQ(CpuSharesToWeight(262144), 10000u);
    for (uint64_t w : {1, 50, 100, 200, 500, 1000, 10000})
        EXPECT_NEAR(static_cast<double>(CpuSharesToWeight(CpuWeightToShares(w))), static_cast<double>(w), 1.0);
    EXPECT_EQ(IoWeightToBlkioWeight(100), 500u);
    EXPECT_EQ(IoWeightToBlkioWeight(1), 10u);
    EXPECT_EQ(IoWeightToBlkioWeight(10000), 1000u);
}

TEST(CgroupResources, ReadBackAllowsPageRounding) {
    FileWrite mem{"memory", "memory.limit_in_bytes", "100000"};
    EXPECT_TRUE(WriteTookEffect(mem, "98304\n", 4096));
    EXPECT_FALSE(WriteTookEffect(mem, "9223372036854771712\n", 4096));
    FileWrite unlimited{"memory", "memory.max", "max"};
    EXPECT_TRUE(WriteTookEffect(unlimited, "max\n", 4096));
    FileWrite v1unlimited{"memory", "memory.limit_in_bytes", "-1"};
    EXPECT_TRUE(WriteTookEffect(v1unlimited, "9223372036854771712\n", 4096));
    EXPECT_FALSE(WriteTookEffect(v1unlimited, "1048576\n", 4096));
    EXPECT_TRUE(WriteTookEffect({"cpu", "cpu.max", "50000 100000"}, "50000 100000\n", 4096));
    EXPECT_FALSE(WriteTookEffect({"cpu", "cpu.max", "50000 100000"}, "max 100000\n", 4096));
    EXPECT_TRUE(WriteTookEffect({"pids", "pids.max", "max"}, "max\n", 4096));
    EXPECT_FALSE(WriteTookEffect({"pids", "pids.max", "10"}, "11\n", 4096));
    EXPECT_TRUE(WriteTookEffect({"io", "io.weight", "default 50"}, "default 50\n8:0 200\n", 4096));
    EXPECT_TRUE(WriteTookEffect({"cpuset", "cpuset.cpus", "0,1"}, "0-1\n", 4096));
}

}  // namespace
}  // namespace berth::cgroup
