// The systemd driver against a real systemd (the test harness): the scope, its properties and
// cgroup files, freeze/thaw, update, daemon-reload, stats, destroy leaving nothing.
//
// The driver has to talk to the harness' bus and live in its pid namespace, so the host-side test
// re-runs this program inside the harness with BERTH_CGROUP_INSIDE_HARNESS=1, which enables the
// SystemdDriverInside tests (skipped otherwise).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <regex>
#include <thread>

#include "cgroup/cgroup_layout.hpp"
#include "cgroup/resources.hpp"
#include "cgroup/systemd_driver.hpp"
#include "config/defaults.hpp"
#include "systemd_harness.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "cgroup_test_child.hpp"
#include "eventually.hpp"

namespace berth::cgroup {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::ReadTrimmed;
using harness::CommandResult;
using harness::Describe;
using harness::RunOnHost;

constexpr const char* kInsideEnv = "BERTH_CGROUP_INSIDE_HARNESS";
constexpr uint64_t kMiB = 1024 * 1024;

// `systemctl show -P property unit` (run where this process runs: inside the harness).
std::string Show(const std::string& unit, const std::string& property) {
    CommandResult r = RunOnHost({"systemctl", "show", "-P", property, unit});
    return TrimRight(r.out);
}

class SystemdDriverInside : public ::testing::Test {
protected:
    void SetUp() override {
        if (std::getenv(kInsideEnv) == nullptr)
            GTEST_SKIP() << "runs inside the systemd harness (started by SystemdDriverInHarness)";
        layout_ = DetectLayout();
        unified_ = layout_.kind == LayoutKind::V2;
        driver_ = std::make_unique<SystemdDriver>();
        name_ = "itsd" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name();
        unit_ = "berth-" + name_ + ".scope";
    }
    void TearDown() override {
        if (!driver_)
            return;
        if (placement_) {
            try {
                driver_->Destroy(*placement_);
            } catch (const std::exception& e) {
                ADD_FAILURE() << "cleanup: " << e.what();
            }
            for (const auto& [key, dir] : placement_->paths)
                EXPECT_FALSE(PathExists(dir)) << "left behind: " << dir;
        }
        CommandResult units = RunOnHost({"systemctl", "list-units", "--all", "--plain", "--no-legend", unit_});
        EXPECT_EQ(units.out.find(unit_), std::string::npos) << "unit left behind: " << units.out;
    }

    std::string DirFor(const std::string& controller) {
        const Hierarchy* h = layout_.ForController(controller);
        EXPECT_NE(h, nullptr) << controller;
        return h == nullptr ? "" : placement_->paths.at(h->key);
    }
    std::string MemoryLimitFile() { return DirFor("memory") + (unified_ ? "/memory.max" : "/memory.limit_in_bytes"); }
    std::string MemoryProperty() { return unified_ ? "MemoryMax" : "MemoryLimit"; }

    config::Resources Limits() { return TestLimits(); }

    Layout layout_;
    bool unified_ = false;
    std::unique_ptr<SystemdDriver> driver_;
    std::string name_, unit_;
    std::optional<Placement> placement_;
};

TEST_F(SystemdDriverInside, ScopeInBerthSliceWithDelegationAndLimits) {
    SpinningChild child;
    placement_ = driver_->Create(name_, child.Pid(), Limits());
    EXPECT_EQ(placement_->driver, "systemd");
    EXPECT_EQ(placement_->unit, unit_);
    EXPECT_EQ(Show(unit_, "ActiveState"), "active");
    EXPECT_EQ(Show(unit_, "Slice"), "berth.slice");
    EXPECT_EQ(Show(unit_, "Delegate"), "yes");
    EXPECT_EQ(Show(unit_, "CollectMode"), "inactive-or-failed");
    EXPECT_EQ(Show(unit_, MemoryProperty()), std::to_string(64 * kMiB));
    EXPECT_EQ(Show(unit_, "TasksMax"), "16");
    EXPECT_EQ(Show(unit_, "CPUQuotaPerSecUSec"), "500ms");
    EXPECT_EQ(Show(unit_, "DevicePolicy"), "strict");
    EXPECT_NE(Show(unit_, "DeviceAllow").find("/dev/char/1:3 rwm"), std::string::npos) << Show(unit_, "DeviceAllow");

    std::string cgroup = Show(unit_, "ControlGroup");
    EXPECT_NE(cgroup.find("/berth.slice/" + unit_), std::string::npos) << cgroup;
    ASSERT_FALSE(placement_->paths.empty());
    for (const auto& [key, dir] : placement_->paths) {
        EXPECT_EQ(dir.substr(dir.size() - cgroup.size()), cgroup) << key;
        EXPECT_EQ(ReadTrimmed(dir + "/cgroup.procs"), std::to_string(child.Pid())) << key;
    }
    EXPECT_EQ(ReadTrimmed(MemoryLimitFile()), std::to_string(64 * kMiB));
    EXPECT_EQ(ReadTrimmed(DirFor("pids") + "/pids.max"), "16");
    if (unified_) {
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.max"), "50000 100000");
    } else {
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.cfs_quota_us"), "50000");
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.shares"), "2048");
    }
    EXPECT_EQ(driver_->Pids(*placement_), std::vector<pid_t>{child.Pid()});
}

TEST_F(SystemdDriverInside, PauseStopsACounterAndResumeRestartsIt) {
    SpinningChild child;
    placement_ = driver_->Create(name_, child.Pid(), {});
    ASSERT_TRUE(Eventually([&] { return child.Count() > 0; }));
    driver_->Freeze(*placement_);
    EXPECT_TRUE(driver_->IsFrozen(*placement_));
    uint64_t frozen_at = child.Count();
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(child.Count(), frozen_at) << "the counter moved while frozen";
    driver_->Thaw(*placement_);
    EXPECT_FALSE(driver_->IsFrozen(*placement_));
    EXPECT_TRUE(Eventually([&] { return child.Count() > frozen_at; })) << "the counter did not restart";
}

TEST_F(SystemdDriverInside, UpdateChangesTheLimitLiveAndDaemonReloadKeepsIt) {
    SpinningChild child;
    placement_ = driver_->Create(name_, child.Pid(), Limits());
    config::Resources change;
    change.memory_max = config::ByteSize{32 * kMiB};
    change.tasks_max = 8;
    change.cpu_quota = config::CpuQuota{150};
    driver_->Update(*placement_, change);
    EXPECT_EQ(ReadTrimmed(MemoryLimitFile()), std::to_string(32 * kMiB));
    EXPECT_EQ(ReadTrimmed(DirFor("pids") + "/pids.max"), "8");
    EXPECT_EQ(Show(unit_, MemoryProperty()), std::to_string(32 * kMiB));
    EXPECT_EQ(Show(unit_, "TasksMax"), "8");
    EXPECT_EQ(Show(unit_, "CPUQuotaPerSecUSec"), "1.500000s");

    CommandResult reload = RunOnHost({"systemctl", "daemon-reload"});
    ASSERT_EQ(reload.exit_code, 0) << Describe(reload);
    EXPECT_EQ(Show(unit_, MemoryProperty()), std::to_string(32 * kMiB));
    EXPECT_EQ(Show(unit_, "TasksMax"), "8");
    EXPECT_EQ(Show(unit_, "CPUQuotaPerSecUSec"), "1.500000s");
    EXPECT_EQ(Show(unit_, "Delegate"), "yes");
    EXPECT_EQ(ReadTrimmed(MemoryLimitFile()), std::to_string(32 * kMiB));
    EXPECT_EQ(ReadTrimmed(DirFor("pids") + "/pids.max"), "8");
    if (!unified_) {
        EXPECT_EQ(ReadTrimmed(DirFor("cpu") + "/cpu.cfs_quota_us"), "150000");
    }
}

TEST_F(SystemdDriverInside, StatsAndAttach) {
    SpinningChild child, second;
    placement_ = driver_->Create(name_, child.Pid(), Limits());
    driver_->Attach(*placement_, second.Pid());
    std::vector<pid_t> expected{child.Pid(), second.Pid()};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(driver_->Pids(*placement_), expected);
    child.Allocate(4 * kMiB);
    EXPECT_TRUE(Eventually([&] {
        Stats s = driver_->ReadStats(*placement_);
        return s.cpu.total_ns > 0 && s.memory.usage >= 2 * kMiB;
    }));
    Stats s = driver_->ReadStats(*placement_);

    EXPECT_EQ(s.memory.limit, 64 * kMiB);
    EXPECT_EQ(s.pids.current, 2u);
    EXPECT_EQ(s.pids.limit, 16u);
}

TEST_F(SystemdDriverInside, DestroyKillsAndRemovesUnitAndCgroups) {
    SpinningChild child;
    placement_ = driver_->Create(name_, child.Pid(), Limits());
    driver_->Freeze(*placement_);  // a paused container must still go
    driver_->Destroy(*placement_);
    int status = child.Reap();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    for (const auto& [key, dir] : placement_->paths)
        EXPECT_FALSE(PathExists(dir)) << dir;
    CommandResult units = RunOnHost({"systemctl", "list-units", "--all", "--plain", "--no-legend", "berth-*"});
    EXPECT_EQ(units.out.find(unit_), std::string::npos) << units.out;
    EXPECT_NO_THROW(driver_->Destroy(*placement_)) << "Destroy must be idempotent";
}

TEST_F(SystemdDriverInside, DestroyAfterTheLastProcessExitedLeavesNothing) {
    // The foreground-run case: the container is gone before Destroy, which then sends no KillUnit.
    SpinningChild child;
    placement_ = driver_->Create(name_, child.Pid(), Limits());
    ::kill(child.Pid(), SIGKILL);
    child.Reap();
    driver_->Destroy(*placement_);
    for (const auto& [key, dir] : placement_->paths)
        EXPECT_FALSE(PathExists(dir)) << dir;
    CommandResult units = RunOnHost({"systemctl", "list-units", "--all", "--plain", "--no-legend", unit_});
    EXPECT_EQ(units.out.find(unit_), std::string::npos) << units.out;
}

TEST_F(SystemdDriverInside, CreateResetsAFailedScopeOfTheSameNameAndStartsAgain) {
    // A scope whose RuntimeMaxSec runs out ends failed (result "timeout") and, with systemd-run's
    // CollectMode=inactive, stays loaded that way: StartTransientUnit then answers UnitExists.
    CommandResult run = RunOnHost({"systemd-run", "--scope", "--unit=" + unit_, "--slice=berth", "-p",
                                   "RuntimeMaxSec=200ms", "sleep", "30"});
    ASSERT_TRUE(Eventually([&] { return Show(unit_, "ActiveState") == "failed"; })) << Describe(run);
    ASSERT_EQ(Show(unit_, "Result"), "timeout");
    ASSERT_EQ(Show(unit_, "CollectMode"), "inactive");
    SpinningChild child;
    try {
        placement_ = driver_->Create(name_, child.Pid(), Limits());
    } catch (const std::exception& e) {
        RunOnHost({"systemctl", "reset-failed", unit_});
        FAIL() << e.what();
    }
    // The unit is berth's new scope now, not the failed one.
    EXPECT_EQ(Show(unit_, "ActiveState"), "active");
    EXPECT_EQ(Show(unit_, "CollectMode"), "inactive-or-failed");
    EXPECT_EQ(Show(unit_, "TasksMax"), "16");
    ASSERT_FALSE(placement_->paths.empty());
    for (const auto& [key, dir] : placement_->paths)
        EXPECT_EQ(ReadTrimmed(dir + "/cgroup.procs"), std::to_string(child.Pid())) << key;
}

TEST_F(SystemdDriverInside, AutoPicksSystemd) { EXPECT_EQ(MakeDriver("auto")->Name(), "systemd"); }

// Host side: boots the harness and runs the tests above inside it.
class SystemdDriverInHarness : public harness::SystemdHarnessTest {};

TEST_F(SystemdDriverInHarness, DriverTestsPassInsideRealSystemd) {
    if (std::getenv(kInsideEnv) != nullptr)
        GTEST_SKIP() << "already inside";
    Harness().InstallUnits({std::string(BERTH_TEST_SOURCE_ROOT) + "/units/berth.slice"});
    std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    ::setenv(kInsideEnv, "1", 1);
    CommandResult r = Run({self, "--gtest_filter=SystemdDriverInside.*", "--gtest_brief=1"}, "", 180s);
    ::unsetenv(kInsideEnv);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out.find("SKIPPED"), std::string::npos) << Describe(r);
    CommandResult units = Run({"systemctl", "list-units", "--all", "--plain", "--no-legend", "berth-*"});
    EXPECT_EQ(units.out.find(".scope"), std::string::npos) << "scopes left behind: " << units.out;
}

// berthctl --cgroup-driver systemd inside the harness: the same behaviours through the CLI.
class SystemdBerthctlInHarness : public harness::SystemdHarnessTest {
protected:
    void SetUp() override {
        harness::SystemdHarnessTest::SetUp();
        if (IsSkipped())
            return;
        if (std::getenv(kInsideEnv) != nullptr)
            GTEST_SKIP() << "already inside";
        rootfs_ = Harness().Dir() + "/cgroup-rootfs";
        if (!PathExists(rootfs_ + "/bin/sh")) {
            CommandResult made =
                RunOnHost({std::string(BERTH_TEST_SOURCE_ROOT) + "/scripts/make-rootfs", rootfs_});
            ASSERT_EQ(made.exit_code, 0) << Describe(made);
        }
        name_ = "itsb" + std::to_string(::getpid()) + "-" +
                std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).substr(0, 12);
        unit_ = "berth-" + name_ + ".scope";
    }
    void TearDown() override {
        if (name_.empty())
            return;
        Berthctl({"rm", "--force", name_});
        CommandResult units = Run({"systemctl", "list-units", "--all", "--plain", "--no-legend", "berth-*"});
        EXPECT_EQ(units.out.find(unit_), std::string::npos) << "unit left behind: " << units.out;
        CommandResult dirs = RunOnHost({"sh", "-c", "ls -d /sys/fs/cgroup/*/" + Harness().CgroupName() +
                                                        "/berth.slice/" + unit_ + " 2>/dev/null"});
        EXPECT_EQ(TrimRight(dirs.out), "") << "cgroup dirs left behind";
    }
    CommandResult Berthctl(const std::vector<std::string>& args) {
        std::vector<std::string> argv{BERTH_TEST_BERTHCTL, "--state-dir", "/run/berth-cgroup-test", "--cgroup-driver",
                                      "systemd"};
        argv.insert(argv.end(), args.begin(), args.end());
        return Run(argv, "", 60s);
    }
    std::string ShowInside(const std::string& property) {
        return TrimRight(Run({"systemctl", "show", "-P", property, unit_}).out);
    }

    std::string rootfs_, name_, unit_;
};

TEST_F(SystemdBerthctlInHarness, RunPauseUpdateReloadRm) {
    CommandResult run = Berthctl({"run", "--rootfs", rootfs_, "--name", name_, "--memory", "32M", "--detach", "--",
                                  "sleep", "1000"});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    EXPECT_EQ(ShowInside("Slice"), "berth.slice");
    EXPECT_EQ(ShowInside("Delegate"), "yes");
    std::string memory_property = DetectLayout().kind == LayoutKind::V2 ? "MemoryMax" : "MemoryLimit";
    EXPECT_EQ(ShowInside(memory_property), std::to_string(32 * kMiB));
    std::string cgroup = ShowInside("ControlGroup");
    std::string memory_dir = "/sys/fs/cgroup/memory" + cgroup;
    bool v1_memory = PathExists(memory_dir + "/memory.limit_in_bytes");
    std::string memory_file = v1_memory ? memory_dir + "/memory.limit_in_bytes" : "/sys/fs/cgroup" + cgroup + "/memory.max";
    EXPECT_EQ(ReadTrimmed(memory_file), std::to_string(32 * kMiB));

    CommandResult pause = Berthctl({"pause", name_});
    ASSERT_EQ(pause.exit_code, 0) << Describe(pause);
    EXPECT_NE(Berthctl({"state", name_}).out.find("\"paused\""), std::string::npos);
    CommandResult resume = Berthctl({"resume", name_});
    ASSERT_EQ(resume.exit_code, 0) << Describe(resume);
    EXPECT_NE(Berthctl({"state", name_}).out.find("\"running\""), std::string::npos);

    CommandResult update = Berthctl({"update", name_, "--memory", "48M", "--tasks-max", "8", "--cpu-quota", "50%"});
    ASSERT_EQ(update.exit_code, 0) << Describe(update);
    EXPECT_EQ(ShowInside(memory_property), std::to_string(48 * kMiB));
    EXPECT_EQ(ShowInside("TasksMax"), "8");
    EXPECT_EQ(ShowInside("CPUQuotaPerSecUSec"), "500ms");
    EXPECT_EQ(ReadTrimmed(memory_file), std::to_string(48 * kMiB));

    // A fork loop joining the container stops at TasksMax.
    CommandResult loop = Berthctl({"exec", name_, "--", "sh", "-c", "while true; do sleep 1000 & done"});
    EXPECT_NE(loop.exit_code, 0) << Describe(loop);
    EXPECT_NE(loop.err.find("can't fork"), std::string::npos) << Describe(loop);

    ASSERT_EQ(Run({"systemctl", "daemon-reload"}).exit_code, 0);
    EXPECT_EQ(ShowInside(memory_property), std::to_string(48 * kMiB));
    EXPECT_EQ(ShowInside("TasksMax"), "8");
    EXPECT_EQ(ReadTrimmed(memory_file), std::to_string(48 * kMiB));

    CommandResult rm = Berthctl({"rm", "--force", name_});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    EXPECT_EQ(ShowInside("LoadState"), "not-found");
    EXPECT_FALSE(PathExists(memory_dir));
}

TEST_F(SystemdBerthctlInHarness, RootfsFailureWhileTheScopeIsCreatedIsReportedAndLeavesNothing) {
    // The child builds the rootfs while systemd creates the scope; its failure must still be the
    // error reported, with the scope and the cgroups removed (TearDown checks those).
    std::string bad = Harness().Dir() + "/cgroup-bad-rootfs";
    CommandResult made = RunOnHost({"sh", "-c", "rm -rf '" + bad + "' && cp -a '" + rootfs_ + "' '" + bad +
                                                    "' && rm -rf '" + bad + "/dev' && touch '" + bad + "/dev'"});
    ASSERT_EQ(made.exit_code, 0) << Describe(made);
    CommandResult r = Berthctl({"run", "--rootfs", bad, "--name", name_, "--", "/bin/true"});
    RunOnHost({"rm", "-rf", bad});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("mount /dev on rootfs: Not a directory"), std::string::npos) << Describe(r);
    EXPECT_NE(Berthctl({"state", name_}).exit_code, 0) << "no state may remain";
}

// systemd sets AllowedCPUs on cgroup v2 only; with cpuset on v1 (hybrid here) Berth applies
// allowed_cpus in a cpuset cgroup of its own at the scope's path, for the init and exec'd processes.
TEST_F(SystemdBerthctlInHarness, AllowedCpusBindTheContainerAndItsExecOnEveryLayout) {
    std::optional<std::string> online = ReadFileIfExists("/sys/devices/system/cpu/online");
    if (!online || TrimRight(*online) == "0")
        GTEST_SKIP() << "one CPU only: allowed_cpus could not differ from the default";
    std::string conf = Harness().Dir() + "/cpus-conf-" + name_;
    MakeDirs(conf);
    WriteFileAtomic(conf + "/" + name_ + ".toml",
                    "rootfs = \"" + rootfs_ + "\"\n[process]\nargs = [\"sleep\", \"1000\"]\n"
                    "[resources]\nallowed_cpus = \"1\"\n");
    CommandResult run = Berthctl({"--config-path", conf, "run", "--detach", name_});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    std::smatch pid;
    std::string state = Berthctl({"state", name_}).out;
    ASSERT_TRUE(std::regex_search(state, pid, std::regex("\"pid\" : ([0-9]+)"))) << state;
    CommandResult init = Run({"grep", "Cpus_allowed_list", "/proc/" + pid[1].str() + "/status"});
    EXPECT_EQ(TrimRight(init.out), "Cpus_allowed_list:\t1") << Describe(init);
    CommandResult exec = Berthctl({"exec", name_, "--", "grep", "Cpus_allowed_list", "/proc/self/status"});
    EXPECT_EQ(TrimRight(exec.out), "Cpus_allowed_list:\t1") << Describe(exec);
    if (DetectLayout().V1ForController("cpuset") != nullptr) {
        std::string dir = "/sys/fs/cgroup/cpuset/" + Harness().CgroupName() + "/berth.slice/" + unit_;
        EXPECT_EQ(ReadTrimmed(dir + "/cpuset.cpus"), "1");
        CommandResult procs = Run({"cat", dir + "/cgroup.procs"});  // pids as the harness sees them
        EXPECT_NE(("\n" + procs.out).find("\n" + pid[1].str() + "\n"), std::string::npos) << Describe(procs);
    } else {
        EXPECT_EQ(ShowInside("AllowedCPUs"), "1");
    }
    CommandResult rm = Berthctl({"rm", "--force", name_});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);  // TearDown: no cgroup dir (the cpuset one too) is left
}

// What systemd has no property for on cgroup v1 (memory_low's soft limit, memory_swappiness,
// allowed_mems) Berth writes into the scope's delegated cgroup (its own cpuset for the mems); on
// v2 memory_low and allowed_mems are MemoryLow= and AllowedMemoryNodes=.
TEST_F(SystemdBerthctlInHarness, MemoryLowSwappinessAndMemsReachTheScopeOnEveryLayout) {
    const bool v1_memory = DetectLayout().V1ForController("memory") != nullptr;
    std::string conf = Harness().Dir() + "/lowmem-conf-" + name_;
    MakeDirs(conf);
    WriteFileAtomic(conf + "/" + name_ + ".toml",
                    "rootfs = \"" + rootfs_ + "\"\n[process]\nargs = [\"sleep\", \"1000\"]\n"
                    "[resources]\nmemory_low = \"24M\"\nallowed_mems = \"0\"\n" +
                        std::string(v1_memory ? "memory_swappiness = 17\n" : ""));
    CommandResult run = Berthctl({"--config-path", conf, "run", "--detach", name_});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    std::string cgroup = ShowInside("ControlGroup");
    if (v1_memory) {
        std::string memory_dir = "/sys/fs/cgroup/memory" + cgroup;
        EXPECT_EQ(ReadTrimmed(memory_dir + "/memory.soft_limit_in_bytes"), std::to_string(24 * kMiB));
        EXPECT_EQ(ReadTrimmed(memory_dir + "/memory.swappiness"), "17");
    } else {
        EXPECT_EQ(ShowInside("MemoryLow"), std::to_string(24 * kMiB));
        EXPECT_EQ(ReadTrimmed("/sys/fs/cgroup" + cgroup + "/memory.low"), std::to_string(24 * kMiB));
    }
    if (DetectLayout().V1ForController("cpuset") != nullptr) {
        std::string dir = "/sys/fs/cgroup/cpuset/" + Harness().CgroupName() + "/berth.slice/" + unit_;
        EXPECT_EQ(ReadTrimmed(dir + "/cpuset.mems"), "0");
    } else {
        EXPECT_EQ(ShowInside("AllowedMemoryNodes"), "0");
    }
    CommandResult rm = Berthctl({"rm", "--force", name_});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);  // TearDown: no cgroup dir (the cpuset one too) is left
}

TEST_F(SystemdBerthctlInHarness, MemoryHogIsOomKilled) {
    CommandResult r = Berthctl({"run", "--rootfs", rootfs_, "--name", name_, "--memory", "16M", "--", "dd",
                                "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"});
    EXPECT_EQ(r.exit_code, 128 + 9) << "expected death by SIGKILL\n" << Describe(r);
}

}  // namespace
}  // namespace berth::cgroup
