#pragma once
// Shared fixture for integration tests: a throwaway state dir and busybox rootfs, berthctl runs
// with captured output, and checks that nothing (state, mounts, processes, cgroups) is left behind.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"

namespace berth::testing {

// The berthctl under test: $BERTHCTL, else the one this build made.
std::string BerthctlPath();

// Builds a busybox rootfs in dir: scripts/make-rootfs when present, else the same layout in C++.
void MakeBusyboxRootfs(const std::string& dir);

// Mount points (from /proc/self/mountinfo) at or below prefix.
std::vector<std::string> MountsUnder(const std::string& prefix);
// Processes whose root directory is dir (same inode, as after pivot_root into a bind mount of
// it) or below it (chroot): container processes.
std::vector<pid_t> ProcessesRootedIn(const std::string& dir);
// Processes whose /proc/PID/cgroup mentions `needle` (a container name or the test's prefix).
std::vector<pid_t> ProcessesInCgroupsContaining(const std::string& needle);
// Cgroup directories (any hierarchy under /sys/fs/cgroup) whose name contains `needle`.
std::vector<std::string> CgroupDirsContaining(const std::string& needle);
// The memory cgroup directory of a process, from /proc/PID/cgroup ("" when it has none).
std::string MemoryCgroupOf(pid_t pid);

// Per-test environment. SetUp skips the test (loudly) when not root or berthctl is missing.
class BerthFixture : public ::testing::Test {
protected:
    void SetUp() override;
    // Removes every container this test created (rm --force, then kill/rmdir by hand as a
    // fallback), unmounts anything under TempDir() and deletes it; runs even after failures.
    void TearDown() override;

    const std::string& TempDir() const { return temp_dir_; }
    const std::string& StateDir() const { return state_dir_; }   // --state-dir
    // A busybox rootfs shared by the tests of this process (read-only by convention): tests run
    // one at a time per process, so "processes rooted in it" are this test's.
    const std::string& Rootfs() const { return rootfs_; }
    // Builds a rootfs of this test's own under TempDir() (for tests that change files in it);
    // Rootfs() returns it from then on.
    std::string MakePrivateRootfs();
    const std::string& ConfigDir() const { return config_dir_; }  // --config-path (NAME.toml files)

    // A container name unique across concurrently running test processes ("it<pid>-<n>-base").
    std::string UniqueName(const std::string& base);
    // Writes ConfigDir()/NAME.toml.
    void WriteContainerToml(const std::string& name, const std::string& content);

    // berthctl --state-dir S --config-path C --cgroup-driver D ARGS...
    std::vector<std::string> BerthctlArgv(const std::vector<std::string>& args) const;
    CommandResult Berthctl(const std::vector<std::string>& args, const std::string& stdin_data = "",
                           std::chrono::milliseconds timeout = 60s);
    std::unique_ptr<RunningCommand> StartBerthctl(const std::vector<std::string>& args,
                                                  const std::string& stdin_data = "");
    // `berthctl state NAME`'s output, and its "status" ("" when none) and "pid" (0 when none).
    std::string StateJson(const std::string& name) { return Berthctl({"state", name}).out; }
    std::string Status(const std::string& name);
    pid_t Pid(const std::string& name);

    // Fails the current test when a state dir, a mount under TempDir(), a process rooted in the
    // rootfs or in a cgroup of this test's containers, or such a cgroup dir remains.
    void ExpectNothingLeftBehind();

    // Driver passed with --cgroup-driver; tests may change it before calling Berthctl.
    std::string cgroup_driver_ = "cgroupfs";

private:
    std::string temp_dir_;
    std::string state_dir_;
    std::string rootfs_;
    std::string config_dir_;
    std::string name_prefix_;
    int name_counter_ = 0;
};

}  // namespace berth::testing
