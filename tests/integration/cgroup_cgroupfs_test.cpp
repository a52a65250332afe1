// The cgroupfs driver against the real cgroup filesystem of this machine (v1, v2 or hybrid):
// placement, limits in the kernel's files, freeze/thaw, stats, update, destroy leaving nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "cgroup/cgroup_layout.hpp"
#include "cgroup/cgroupfs_driver.hpp"
#include "cgroup/resources.hpp"
#include "config/defaults.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "cgroup_test_child.hpp"
#include "eventually.hpp"

namespace berth::cgroup {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::ReadTrimmed;

constexpr uint64_t kMiB = 1024 * 1024;

class CgroupfsDriverTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root to create cgroups";
        layout_ = DetectLayout();
        if (layout_.kind == LayoutKind::None)
            GTEST_SKIP() << "no cgroup filesystem mounted";
        name_ = "itcg" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name();
    }
    void TearDown() override {
        if (placement_) {
            try {
                driver_.Destroy(*placement_);
            } catch (const std::exception& e) {
                ADD_FAILURE() << "cleanup: " << e.what();
            }
        }
        for (const Hierarchy& h : layout_.hierarchies)
            EXPECT_FALSE(PathExists(h.mount_point + "/berth/" + name_)) << "left behind in " << h.key;
    }

    // The placement dir of the hierarchy holding a controller (v1 or v2).
    std::string DirFor(const std::string& controller) {
        const Hierarchy* h = layout_.ForController(controller);
        if (h == nullptr)
            return "";
        return placement_->paths.at(h->key);
    }
    bool V1(const std::string& controller) { return layout_.V1ForController(controller) != nullptr; }

    config::Resources Limits() { return TestLimits(); }

    Layout layout_;
    CgroupfsDriver driver_;
    std::string name_;
    std::optional<Placement> placement_;
};

TEST_F(CgroupfsDriverTest, CreatePlacesTheProcessWithItsLimitsInEveryHierarchy) {
    SpinningChild child;
    placement_ = driver_.Create(name_, child.Pid(), Limits());
    EXPECT_EQ(placement_->driver, "cgroupfs");
    ASSERT_FALSE(placement_->paths.empty());
    for (const Hierarchy& h : layout_.hierarchies) {
        ASSERT_EQ(placement_->paths.count(h.key), 1u) << "no cgroup in " << h.key;
        std::string dir = placement_->paths.at(h.key);
        EXPECT_EQ(dir, h.mount_point + "/berth/" + name_);
        EXPECT_EQ(ReadTrimmed(dir + "/cgroup.procs"), std::to_string(child.Pid())) << h.key;
    }
    std::string self_cgroup = ReadFile("/proc/" + std::to_string(child.Pid()) + "/cgroup");
    EXPECT_NE(self_cgroup.find("/berth/" + name_ + "\n"), std::string::npos) << self_cgroup;

    if (V1("memory")) {
        EXPECT_EQ(ReadTrimmed(DirFor("memory") + "/memory.limit_in_bytes"), std::to_string(64 * kMiB));
    } else {
        EXPECT_EQ(ReadTrimmed(DirFor("memory") + "/memory.max"), std::to_string(64 * kMiB));
    }
    EXPECT_EQ(ReadTrimmed(DirFor("pids") + "/pids.max"), "16");
    if (V1("cpu")) {
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.cfs_quota_us"), "50000");
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.cfs_period_us"), "100000");
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.shares"), "2048");
    } else {
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.max"), "50000 100000");
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.weight"), "200");
    }
    if (V1("devices")) {
        std::string list = ReadFile(DirFor("devices") + "/devices.list");
        EXPECT_NE(list.find("c 1:3 rwm"), std::string::npos) << list;
        EXPECT_EQ(list.find("a *:* rwm"), std::string::npos) << list;
    }
    EXPECT_EQ(driver_.Pids(*placement_), std::vector<pid_t>{child.Pid()});
}

TEST_F(CgroupfsDriverTest, FreezeStopsACounterAndThawRestartsIt) {
    SpinningChild child;
    placement_ = driver_.Create(name_, child.Pid(), {});
    ASSERT_TRUE(Eventually([&] { return child.Count() > 0; }));
    driver_.Freeze(*placement_);
    EXPECT_TRUE(driver_.IsFrozen(*placement_));
    uint64_t frozen_at = child.Count();
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(child.Count(), frozen_at) << "the counter moved while frozen";
    driver_.Thaw(*placement_);
    EXPECT_FALSE(driver_.IsFrozen(*placement_));
    EXPECT_TRUE(Eventually([&] { return child.Count() > frozen_at; })) << "the counter did not restart";
}

TEST_F(CgroupfsDriverTest, StatsShowTheContainersUsage) {
    SpinningChild child;
    placement_ = driver_.Create(name_, child.Pid(), Limits());
    child.Allocate(4 * kMiB);
    ASSERT_TRUE(Eventually([&] {
        Stats s = driver_.ReadStats(*placement_);
        // The kernel batches per-CPU charge updates: allow some not yet counted.
        return s.cpu.total_ns > 0 && s.memory.usage >= 2 * kMiB && s.memory.anon >= 2 * kMiB;
    })) << "usage stayed below what the child allocated";
    Stats s = driver_.ReadStats(*placement_);
    EXPECT_GT(s.cpu.total_ns, 0u);
    EXPECT_GT(s.cpu.user_ns + s.cpu.system_ns, 0u);
    EXPECT_GE(s.memory.max_usage, s.memory.usage);
    EXPECT_GE(s.memory.anon, 2 * kMiB);
    EXPECT_EQ(s.memory.limit, 64 * kMiB);
    EXPECT_EQ(s.pids.current, 1u);
    EXPECT_EQ(s.pids.limit, 16u);
}

TEST_F(CgroupfsDriverTest, UpdateChangesLimitsLive) {
    SpinningChild child;
    placement_ = driver_.Create(name_, child.Pid(), Limits());
    config::Resources change;
    change.memory_max = config::ByteSize{32 * kMiB + 100};  // not page aligned: the kernel rounds down
    change.tasks_max = 8;
    change.cpu_quota = config::CpuQuota{150};
    driver_.Update(*placement_, change);
    std::string mem_file = V1("memory") ? "/memory.limit_in_bytes" : "/memory.max";
    EXPECT_EQ(ReadTrimmed(DirFor("memory") + mem_file), std::to_string(32 * kMiB));
    EXPECT_EQ(ReadTrimmed(DirFor("pids") + "/pids.max"), "8");
    if (V1("cpu")) {
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.cfs_quota_us"), "150000");
    } else {
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.max"), "150000 100000");
    }
    EXPECT_EQ(driver_.ReadStats(*placement_).pids.limit, 8u);
}

TEST_F(CgroupfsDriverTest, AttachAddsAProcess) {
    SpinningChild first, second;
    placement_ = driver_.Create(name_, first.Pid(), {});
    driver_.Attach(*placement_, second.Pid());
    std::vector<pid_t> expected{first.Pid(), second.Pid()};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(driver_.Pids(*placement_), expected);
}

TEST_F(CgroupfsDriverTest, DestroyKillsEverythingAndRemovesEveryDirectory) {
    SpinningChild child;
    placement_ = driver_.Create(name_, child.Pid(), Limits());
    driver_.Freeze(*placement_);  // a frozen container must still be destroyed
    // A sub-cgroup the container made itself goes too.
    std::string sub = placement_->paths.begin()->second + "/inner";
    ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
    driver_.Destroy(*placement_);
    int status = child.Reap();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    for (const auto& [key, dir] : placement_->paths)
        EXPECT_FALSE(PathExists(dir)) << dir;
    EXPECT_NO_THROW(driver_.Destroy(*placement_)) << "Destroy must be idempotent";
}

TEST_F(CgroupfsDriverTest, RejectsBadNamesAndForeignPaths) {
    EXPECT_THROW(driver_.Create("a/b", ::getpid(), {}), Error);
    EXPECT_THROW(driver_.Create("..", ::getpid(), {}), Error);
    Placement foreign{"cgroupfs", "", {{"memory", "/nonexistent/cgroup/not-berth"}}};
    EXPECT_THROW(driver_.Destroy(foreign), Error);
}

TEST_F(CgroupfsDriverTest, FailedCreateLeavesNothing) {
    SpinningChild child;
    config::Resources bad;
    bad.allowed_cpus = "4096";  // no such CPU: the kernel refuses it
    EXPECT_THROW(driver_.Create(name_, child.Pid(), bad), Error);
    // TearDown checks no directory remains.
}

// An io_weight is written to the weight file the kernel offers, or the create fails saying none is
// offered (this machine's v1 blkio has neither blkio.weight nor blkio.bfq.weight); never dropped.
TEST_F(CgroupfsDriverTest, IoWeightIsAppliedOrRefusedNeverDropped) {
    SpinningChild child;
    config::Resources io;
    io.io_weight = 50;
    std::string refused;
    try {
        placement_ = driver_.Create(name_, child.Pid(), io);
    } catch (const Error& e) {
        refused = e.what();
    }
    if (!refused.empty()) {
        EXPECT_NE(refused.find("the kernel does not offer it"), std::string::npos) << refused;
        return;  // TearDown checks no directory remains
    }
    std::string dir = DirFor(V1("blkio") ? "blkio" : "io");
    std::optional<std::string> v1 = ReadFileIfExists(dir + "/blkio.weight");
    std::optional<std::string> bfq = ReadFileIfExists(dir + "/blkio.bfq.weight");
    std::optional<std::string> v2 = ReadFileIfExists(dir + "/io.weight");
    EXPECT_TRUE((v1 && TrimRight(*v1) == "250") || (bfq && bfq->find("250") != std::string::npos) ||
                (v2 && v2->find("default 50") != std::string::npos))
        << "no weight file of " << dir << " shows the weight";
}

TEST_F(CgroupfsDriverTest, MemoryHighIsRefusedWhereMemoryIsOnV1) {
    if (!V1("memory"))
        GTEST_SKIP() << "the memory controller is on cgroup v2 here: memory.high exists";
    SpinningChild child;
    config::Resources high;
    high.memory_high = config::ByteSize{32 * kMiB};
    try {
        placement_ = driver_.Create(name_, child.Pid(), high);
        ADD_FAILURE() << "memory_high was accepted on cgroup v1, which has no memory.high";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("memory_high"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace berth::cgroup
