#pragma once
// The part shared by the tests that run berthd in the systemd harness (daemon_test.cpp,
// systemd_native_test.cpp): org.berth1's D-Bus policy installed once per program, a busybox rootfs
// in the harness dir, a dir of the test's own, berthd as a transient unit, and container
// properties read with busctl. Both programs define BERTH_TEST_SOURCE_ROOT and BERTH_TEST_BERTHD.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "systemd_harness.hpp"
#include "util/file.hpp"

namespace berth::harness {

// Without the trailing newlines and spaces of a command's output.
inline std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

class BerthdTest : public SystemdHarnessTest {
protected:
    // dir_ = HARNESS/<prefix>-<test name>; rootfs_ = HARNESS/<prefix>-rootfs, made once. The
    // policy files go to the harness' /etc/dbus-1/system.d on the program's first test.
    void PrepareDirs(const std::string& prefix, const std::vector<std::string>& policy_files) {
        static bool policy_installed = false;
        if (!policy_installed) {
            Harness().AddFilesInside("/etc/dbus-1/system.d", policy_files);
            ASSERT_EQ(Run({"systemctl", "reload", "dbus"}).exit_code, 0);
            policy_installed = true;
        }
        std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        dir_ = Harness().Dir() + "/" + prefix + "-" + test;
        rootfs_ = Harness().Dir() + "/" + prefix + "-rootfs";
        if (!PathExists(rootfs_ + "/bin/sh")) {
            auto r = RunOnHost({std::string(BERTH_TEST_SOURCE_ROOT) + "/scripts/make-rootfs", rootfs_});
            ASSERT_EQ(r.exit_code, 0) << Describe(r);
        }
        MakeDirs(dir_ + "/conf");
    }

    // berthd on state_dir and dir_/conf as the transient unit <unit_prefix>-N.service (unit_).
    void StartBerthdUnit(const std::string& unit_prefix, const std::string& state_dir) {
        unit_ = unit_prefix + "-" + std::to_string(++unit_counter_) + ".service";
        auto r = Run({"systemd-run", "--unit=" + unit_, "--property=Type=notify", "--property=KillMode=process",
                      BERTH_TEST_BERTHD, "--state-dir", state_dir, "--config-path", dir_ + "/conf", "--log-dir",
                      dir_ + "/log"});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
    }

    void StopBerthdUnit() {
        Run({"systemctl", "stop", unit_});
        Run({"systemctl", "reset-failed", unit_});
    }

    // A property of org.berth1.Container in busctl's words ("s \"running\""), or why it failed.
    std::string Property(const std::string& name, const std::string& property) const {
        auto r = Run({"busctl", "get-property", "org.berth1", "/org/berth1/container/" + name, "org.berth1.Container",
                      property});
        return r.exit_code == 0 ? Trim(r.out) : "(failed: " + Trim(r.err) + ")";
    }

    // Polls a property until it has the value; the deadline only guards against hanging forever.
    bool WaitForProperty(const std::string& name, const std::string& property, const std::string& value) const {
        for (auto deadline = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < deadline;) {
            if (Property(name, property) == value)
                return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    std::string dir_, rootfs_, unit_;
    static inline int unit_counter_ = 0;
};

}  // namespace berth::harness
