// Text of v1 and v2 statistics files -> the same Stats shape.
#include <gtest/gtest.h>

#include "cgroup/oom_watch.hpp"
#include "cgroup/stats.hpp"

namespace berth::cgroup {
namespace {

TEST(CgroupStats, V1Files) {
    StatFiles f;
    f["memory.usage_in_bytes"] = "1048576\n";
    f["memory.limit_in_bytes"] = "536870912\n";
    f["memory.max_usage_in_bytes"] = "2097152\n";
    f["memory.stat"] = "cache 10\nrss 20\ntotal_cache 4096\ntotal_rss 8192\n";
    f["cpu.stat"] = "nr_periods 9\nnr_throttled 3\nthrottled_time 1000\n";
    f["cpuacct.usage"] = "5000000\n";
    f["cpuacct.usage_user"] = "3000000\n";
    f["cpuacct.usage_sys"] = "2000000\n";
    f["pids.current"] = "4\n";
    f["pids.max"] = "64\n";
    f["blkio.throttle.io_service_bytes_recursive"] =
        "8:0 Read 4096\n8:0 Write 512\n8:0 Sync 0\n8:16 Read 1\n8:16 Write 2\nTotal 4611\n";
    Stats s = ParseStats(f);
    EXPECT_EQ(s.memory.usage, 1048576u);
    EXPECT_EQ(s.memory.limit, 536870912u);
    EXPECT_EQ(s.memory.max_usage, 2097152u);
    EXPECT_EQ(s.memory.cache, 4096u);
    EXPECT_EQ(s.memory.anon, 8192u);
    EXPECT_EQ(s.cpu.total_ns, 5000000u);
    EXPECT_EQ(s.cpu.user_ns, 3000000u);
    EXPECT_EQ(s.cpu.system_ns, 2000000u);
    EXPECT_EQ(s.cpu.throttled_periods, 3u);
    EXPECT_EQ(s.pids.current, 4u);
    EXPECT_EQ(s.pids.limit, 64u);
    EXPECT_EQ(s.io.read_bytes, 4097u);
    EXPECT_EQ(s.io.write_bytes, 514u);
}

TEST(CgroupStats, V1UnlimitedAndTicks) {
    StatFiles f;
    f["memory.usage_in_bytes"] = "0\n";
    f["memory.limit_in_bytes"] = "9223372036854771712\n";
    f["memory.stat"] = "cache 10\nrss 20\n";
    f["cpuacct.usage"] = "7\n";
    f["cpuacct.stat"] = "user 3\nsystem 2\n";
    f["pids.max"] = "max\n";
    Stats s = ParseStats(f);
    EXPECT_EQ(s.memory.limit, 0u);  // unlimited
    EXPECT_EQ(s.memory.cache, 10u);
    EXPECT_EQ(s.memory.anon, 20u);
    EXPECT_EQ(s.cpu.user_ns, 30'000'000u);
    EXPECT_EQ(s.cpu.system_ns, 20'000'000u);
    EXPECT_EQ(s.pids.limit, 0u);
}

TEST(CgroupStats, V2Files) {
    StatFiles f;
    f["memory.current"] = "1048576\n";
    f["memory.max"] = "max\n";
    f["memory.peak"] = "3145728\n";
    f["memory.stat"] = "anon 8192\nfile 4096\nkernel 100\n";
    f["cpu.stat"] = "usage_usec 250\nuser_usec 150\nsystem_usec 100\nnr_periods 5\nnr_throttled 2\n";
    f["pids.current"] = "3\n";
    f["pids.max"] = "10\n";
    f["io.stat"] = "8:0 rbytes=4096 wbytes=1024 rios=1 wios=1 dbytes=0 dios=0\n"
                   "8:16 rbytes=1 wbytes=2 rios=1 wios=1 dbytes=0 dios=0\n";
    Stats s = ParseStats(f);
    EXPECT_EQ(s.memory.usage, 1048576u);
    EXPECT_EQ(s.memory.limit, 0u);
    EXPECT_EQ(s.memory.max_usage, 3145728u);
    EXPECT_EQ(s.memory.cache, 4096u);
    EXPECT_EQ(s.memory.anon, 8192u);
    EXPECT_EQ(s.cpu.total_ns, 250'000u);
    EXPECT_EQ(s.cpu.user_ns, 150'000u);
    EXPECT_EQ(s.cpu.system_ns, 100'000u);
    EXPECT_EQ(s.cpu.throttled_periods, 2u);
    EXPECT_EQ(s.pids.current, 3u);
    EXPECT_EQ(s.pids.limit, 10u);
    EXPECT_EQ(s.io.read_bytes, 4097u);
    EXPECT_EQ(s.io.write_bytes, 1026u);
}

TEST(CgroupStats, HybridCpuTimeFromCgroup2WithV1Throttling) {
    // v1 cpu.stat (no cpuacct) followed by cgroup2's cpu.stat, as read for a systemd scope on hybrid.
    StatFiles f;
    f["cpu.stat"] = "nr_periods 9\nnr_throttled 3\nthrottled_time 1000\n\nusage_usec 7\nuser_usec 4\nsystem_usec 3\n";
    Stats s = ParseStats(f);
    EXPECT_EQ(s.cpu.total_ns, 7000u);
    EXPECT_EQ(s.cpu.user_ns, 4000u);
    EXPECT_EQ(s.cpu.system_ns, 3000u);
    EXPECT_EQ(s.cpu.throttled_periods, 3u);
}

TEST(CgroupStats, MissingFilesGiveZeros) {
    Stats s = ParseStats({});
    EXPECT_EQ(s.memory.usage, 0u);
    EXPECT_EQ(s.cpu.total_ns, 0u);
    EXPECT_EQ(s.io.read_bytes, 0u);
}

TEST(CgroupStats, FlatKeyedIgnoresMalformedLines) {
    auto m = ParseFlatKeyed("a 1\nbroken\nb 2 extra\n\nc x\n");
    EXPECT_EQ(m.size(), 2u);
    EXPECT_EQ(m["a"], 1u);
    EXPECT_EQ(m["b"], 2u);
}

TEST(CgroupStats, OomKillCountOfV1AndV2Files) {
    EXPECT_EQ(ParseOomKillCount("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"), 3u);
    EXPECT_EQ(ParseOomKillCount("low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n"), 1u);
    EXPECT_EQ(ParseOomKillCount("oom_kill_disable 0\nunder_oom 0\n"), std::nullopt) << "kernels before 4.13";
}

}  // namespace
}  // namespace berth::cgroup
