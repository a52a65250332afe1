// Checkpoint/restore with `--cgroup-driver systemd` inside the systemd harness (issue 6): the
// checkpoint removes the scope; the restore recreates it with the same limits, holding the
// restored init; `rm --force` leaves nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <string>
#include <vector>

#include "criu_probe.hpp"
#include "systemd_harness.hpp"
#include "util/file.hpp"

namespace berth {
namespace {

using namespace std::chrono_literals;
using harness::CommandResult;
using harness::Describe;
using harness::RunOnHost;

constexpr uint64_t kMiB = 1024 * 1024;

// Why CRIU cannot be used here, or "" when it can: criu run on the host.
std::string CriuUnusableReason() {
    return testing::CriuUnusableReason([](const std::vector<std::string>& argv) {
        std::string line = "exec";
        for (const std::string& arg : argv)
            line += " " + arg;
        return RunOnHost({"/bin/sh", "-c", line});
    });
}

class CheckpointSystemdInHarness : public harness::SystemdHarnessTest {
protected:
    void SetUp() override {
        harness::SystemdHarnessTest::SetUp();
        if (IsSkipped())
            return;
        if (std::string reason = CriuUnusableReason(); !reason.empty())
            GTEST_SKIP() << "CRIU unusable: " << reason;
        Harness().InstallUnits({std::string(BERTH_TEST_SOURCE_ROOT) + "/units/berth.slice"});
        rootfs_ = Harness().Dir() + "/checkpoint-rootfs";
        state_ = Harness().Dir() + "/checkpoint-state";
        images_ = Harness().Dir() + "/checkpoint-images";
        CommandResult made = RunOnHost({std::string(BERTH_TEST_SOURCE_ROOT) + "/scripts/make-rootfs", rootfs_});
        ASSERT_EQ(made.exit_code, 0) << Describe(made);
        name_ = "itcp" + std::to_string(::getpid());
        unit_ = "berth-" + name_ + ".scope";
    }
    void TearDown() override {
        if (name_.empty())
            return;
        Berthctl({"rm", "--force", name_});
        EXPECT_EQ(Units(), "") << "units left behind";
        EXPECT_EQ(CgroupDirs(), "") << "cgroup dirs left behind";
        RunOnHost({"rm", "-rf", images_, state_, rootfs_});
    }

    CommandResult Berthctl(const std::vector<std::string>& args) {
        std::vector<std::string> argv{BERTH_TEST_BERTHCTL, "--state-dir", state_, "--cgroup-driver", "systemd"};
        argv.insert(argv.end(), args.begin(), args.end());
        return Run(argv, "", 120s);
    }
    std::string Show(const std::string& property) {
        return TrimRight(Run({"systemctl", "show", "-P", property, unit_}).out);
    }
    std::string Units() {
        return TrimRight(Run({"systemctl", "list-units", "--all", "--plain", "--no-legend", "berth-*"}).out);
    }
    std::string CgroupDirs() {
        return TrimRight(RunOnHost({"sh", "-c", "ls -d /sys/fs/cgroup/*/" + Harness().CgroupName() +
                                                    "/berth.slice/" + unit_ + " 2>/dev/null"})
                             .out);
    }
    // The restored init's pid in the harness' pid namespace, from `berthctl state`.
    std::string Pid() {
        std::smatch m;
        std::string json = Berthctl({"state", name_}).out;
        return std::regex_search(json, m, std::regex(R"re("pid"\s*:\s*(\d+))re")) ? m[1].str() : "";
    }
    // Read inside, so that cgroup.procs lists pids of the harness' pid namespace.
    std::string CatInside(const std::string& path) { return TrimRight(Run({"cat", path}).out); }

    std::string rootfs_, state_, images_, name_, unit_;
};

TEST_F(CheckpointSystemdInHarness, RestoreRecreatesTheScopeWithTheSameLimits) {
    CommandResult run = Berthctl({"run", "--detach", "--rootfs", rootfs_, "--name", name_, "--memory", "64M", "--",
                                  "/bin/sh", "-c", "while true; do usleep 100000; done"});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    CommandResult update = Berthctl({"update", name_, "--tasks-max", "32"});
    ASSERT_EQ(update.exit_code, 0) << Describe(update);
    std::string cgroup = Show("ControlGroup");
    ASSERT_NE(cgroup.find("/berth.slice/" + unit_), std::string::npos) << cgroup;
    bool v1_memory = PathExists("/sys/fs/cgroup/memory" + cgroup + "/memory.limit_in_bytes");
    std::string memory_property = v1_memory ? "MemoryLimit" : "MemoryMax";
    std::string memory_file = v1_memory ? "/sys/fs/cgroup/memory" + cgroup + "/memory.limit_in_bytes"
                                        : "/sys/fs/cgroup/unified" + cgroup + "/memory.max";
    std::string pids_file = PathExists("/sys/fs/cgroup/pids" + cgroup) ? "/sys/fs/cgroup/pids" + cgroup + "/pids.max"
                                                                       : "/sys/fs/cgroup/unified" + cgroup + "/pids.max";
    ASSERT_EQ(Show("TasksMax"), "32");

    CommandResult cp = Berthctl({"checkpoint", name_, "--image-path", images_});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    EXPECT_EQ(Units(), "") << "the scope survived the checkpoint";
    EXPECT_EQ(CgroupDirs(), "") << "the cgroup survived the checkpoint";

    CommandResult rs = Berthctl({"restore", name_, "--image-path", images_, "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    std::string pid = Pid();
    ASSERT_FALSE(pid.empty()) << Berthctl({"state", name_}).out;
    EXPECT_EQ(Show("ActiveState"), "active");
    EXPECT_EQ(Show("Slice"), "berth.slice");
    EXPECT_EQ(Show("ControlGroup"), cgroup);
    std::string proc_cgroup = CatInside("/proc/" + pid + "/cgroup") + "\n";
    EXPECT_NE(proc_cgroup.find(":name=systemd:" + cgroup + "\n"), std::string::npos) << proc_cgroup;
    if (v1_memory) {
        EXPECT_NE(proc_cgroup.find(":memory:" + cgroup + "\n"), std::string::npos) << proc_cgroup;
    }
    std::string procs = "\n" + CatInside("/sys/fs/cgroup/systemd" + cgroup + "/cgroup.procs") + "\n";
    EXPECT_NE(procs.find("\n" + pid + "\n"), std::string::npos) << "pid " << pid << " not in" << procs;
    EXPECT_EQ(Show(memory_property), std::to_string(64 * kMiB));
    EXPECT_EQ(Show("TasksMax"), "32");
    EXPECT_EQ(TrimRight(ReadFile(memory_file)), std::to_string(64 * kMiB));
    EXPECT_EQ(TrimRight(ReadFile(pids_file)), "32");
    EXPECT_NE(Berthctl({"state", name_}).out.find("\"running\""), std::string::npos);

    CommandResult rm = Berthctl({"rm", "--force", name_});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    EXPECT_EQ(Show("LoadState"), "not-found");
    EXPECT_EQ(Units(), "");
    EXPECT_EQ(CgroupDirs(), "");
    EXPECT_NE(Run({"kill", "-0", pid}).exit_code, 0) << "the restored init survived rm --force";
}

}  // namespace
}  // namespace berth
