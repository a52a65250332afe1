#pragma once
// A throwaway real systemd (PID 1 of new pid+mount+uts+ipc namespaces, with its own system bus)
// for tests, wrapping tests/harness/systemd-harness. See /work/brief/harness.md.
//
//   class MyTest : public berth::harness::SystemdHarnessTest {};
//   TEST_F(MyTest, Works) {
//       auto r = Run({"systemctl", "is-system-running"});   // or RunShell("systemctl ... | grep ...")
//       EXPECT_EQ(r.exit_code, 0) << Describe(r);
//   }
//
// One systemd per test program, booted on first use, stopped after the last test (and by a
// watchdog process if the test program dies). Tests skip loudly where it cannot boot, unless
// BERTH_HARNESS_REQUIRED=1 (then they fail). Its dir (logs) is removed afterwards unless
// BERTH_HARNESS_KEEP=1.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "command.hpp"
#include "util/fd.hpp"

namespace berth::harness {

using namespace std::chrono_literals;

using testing::CommandResult;
using testing::Describe;

// Runs argv on the host with stdin_data as input, capturing output; SIGKILLs its process group
// after timeout.
inline CommandResult RunOnHost(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                               std::chrono::milliseconds timeout = 120s) {
    return testing::RunCommand(argv, stdin_data, timeout);
}

// Why no harness can boot here ("" if it can be tried): not root, no systemd, no script.
std::string HarnessUnavailableReason();

// One booted systemd. The constructor boots it (throws std::runtime_error with the script's
// output when it cannot); the destructor stops it. Dir, the checkout, the build dir and the
// current dir are visible inside at the same paths, wherever they are (also below /tmp).
class SystemdHarness {
public:
    explicit SystemdHarness(std::string dir);
    SystemdHarness(const SystemdHarness&) = delete;
    SystemdHarness& operator=(const SystemdHarness&) = delete;
    ~SystemdHarness();

    // Powers systemd off (SIGKILL after a grace period) and removes its cgroups. Idempotent.
    // Returns "" on success, else what was left behind.
    std::string Stop();
    bool Running() const { return pid_ > 0; }

    // Runs argv inside every namespace of the harness (its bus, its /run), from the current dir.
    CommandResult Run(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                      std::chrono::milliseconds timeout = 120s) const;
    // Runs /bin/sh -c shell_command inside.
    CommandResult RunShell(const std::string& shell_command, std::chrono::milliseconds timeout = 120s) const;
    // argv prefixed so that it runs inside (nsenter ...), for commands run in the background.
    std::vector<std::string> InsideArgv(const std::vector<std::string>& argv) const;

    // Makes host_files appear in inside_dir for this harness only: a copy of inside_dir (under
    // Dir()) with the files added is bind-mounted over it inside. The host's dir is not touched.
    // E.g. AddFilesInside("/etc/dbus-1/system.d", {".../org.berth1.conf"}), then
    // Run({"systemctl", "reload", "dbus"}). Throws std::runtime_error on failure.
    void AddFilesInside(const std::string& inside_dir, const std::vector<std::string>& host_files);

    // Copies unit files into the harness' /etc/systemd/system (Dir()/units on the host) and runs
    // daemon-reload inside. Throws std::runtime_error on failure.
    void InstallUnits(const std::vector<std::string>& unit_files);

    pid_t Pid() const { return pid_; }                      // systemd, in the host's pid namespace
    const std::string& Dir() const { return dir_; }
    const std::string& CgroupName() const { return id_; }   // "berth_harness-<hex>": systemd's root cgroup
    // /sys/fs/cgroup/<hierarchy>/<CgroupName()><cgroup>, e.g. ("memory", "/system.slice/x.service").
    std::string HostCgroupPath(const std::string& hierarchy, const std::string& cgroup = "") const;
    // The cgroup roots the script created (one per hierarchy); all gone after Stop().
    const std::vector<std::string>& CreatedCgroups() const { return cgroups_; }
    // systemd's console log (DIR/boot.log).
    std::string BootLog() const;

private:
    std::string dir_;
    std::string id_;
    std::vector<std::string> cgroups_;
    pid_t pid_ = -1;
    pid_t watchdog_ = -1;
    int overlays_ = 0;
    UniqueFd watchdog_lifeline_;  // its EOF makes the watchdog run `systemd-harness stop`
};

// The harness shared by every test of this program: booted on first call, stopped after the
// last test. nullptr (with the reason in *why_not) when it cannot boot.
SystemdHarness* SharedHarness(std::string* why_not);

// Fixture: skips (or fails with BERTH_HARNESS_REQUIRED=1) when no harness can boot.
class SystemdHarnessTest : public ::testing::Test {
protected:
    void SetUp() override;

    SystemdHarness& Harness() const { return *harness_; }
    CommandResult Run(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                      std::chrono::milliseconds timeout = 120s) const {
        return harness_->Run(argv, stdin_data, timeout);
    }
    CommandResult RunShell(const std::string& shell_command, std::chrono::milliseconds timeout = 120s) const {
        return harness_->RunShell(shell_command, timeout);
    }

private:
    SystemdHarness* harness_ = nullptr;
};

}  // namespace berth::harness
