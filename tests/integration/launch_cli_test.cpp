// The launcher's behaviour through the real berthctl (run/exec verbs, cgroupfs driver): what a
// user sees, including the exact error text of failed launches and that nothing is left behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "fixture.hpp"

namespace berth::testing {
namespace {

std::string NsLink(const std::string& path) {
    std::error_code ec;
    return std::filesystem::read_symlink(path, ec).string();
}

class LaunchCliTest : public BerthFixture {
protected:
    // `run --rootfs R -- /bin/sh -c SCRIPT`
    CommandResult RunScript(const std::string& script, const std::vector<std::string>& options = {},
                            const std::string& stdin_data = "") {
        std::vector<std::string> args = {"run", "--rootfs", Rootfs()};
        args.insert(args.end(), options.begin(), options.end());
        args.insert(args.end(), {"--", "/bin/sh", "-c", script});
        return Berthctl(args, stdin_data);
    }

    void ExpectFailure(const CommandResult& r, const std::string& message) {
        EXPECT_NE(r.exit_code, 0) << Describe(r);
        EXPECT_NE(r.err.find(message), std::string::npos) << "expected: " << message << "\n" << Describe(r);
        ExpectNothingLeftBehind();
    }
};

TEST_F(LaunchCliTest, RunIsPidOneAndExitCodePropagates) {
    CommandResult r = RunScript("echo $$; hostname; exit 5", {"--hostname", "cli-box"});
    EXPECT_EQ(r.exit_code, 5) << Describe(r);
    EXPECT_EQ(r.out, "1\ncli-box\n");
    ExpectNothingLeftBehind();
}

TEST_F(LaunchCliTest, StdinIsPiped) {
    CommandResult r = RunScript("cat; echo end", {}, "one\ntwo\n");
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "one\ntwo\nend\n");
}

TEST_F(LaunchCliTest, SignalToBerthctlReachesTheInit) {
    auto running = StartBerthctl({"run", "--rootfs", Rootfs(), "--", "/bin/sh", "-c",
                                  "trap 'echo got-term; exit 3' TERM; echo ready; while true; do sleep 0.05; done"});
    ASSERT_TRUE(running->WaitForOutput("ready")) << running->OutSoFar();
    running->Signal(SIGTERM);
    CommandResult r = running->Wait();
    EXPECT_EQ(r.exit_code, 3) << Describe(r);
    EXPECT_NE(r.out.find("got-term"), std::string::npos) << Describe(r);
    ExpectNothingLeftBehind();
}

TEST_F(LaunchCliTest, ExecSeesTheInitsNamespaces) {
    std::string name = UniqueName("exec");
    CommandResult started = Berthctl({"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--", "/bin/sleep", "100"});
    ASSERT_EQ(started.exit_code, 0) << Describe(started);
    CommandResult state = Berthctl({"state", name});
    std::smatch m;
    ASSERT_TRUE(std::regex_search(state.out, m, std::regex("\"pid\" *: *([0-9]+)"))) << Describe(state);
    std::string proc = "/proc/" + m[1].str() + "/ns/";
    CommandResult r = Berthctl({"exec", name, "--", "/bin/sh", "-c",
                                "readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; readlink /proc/self/ns/net; "
                                "readlink /proc/self/ns/uts; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, NsLink(proc + "pid") + "\n" + NsLink(proc + "mnt") + "\n" + NsLink(proc + "net") + "\n" +
                         NsLink(proc + "uts") + "\nNoNewPrivs:\t1\nSeccomp:\t2\n");
    EXPECT_NE(NsLink(proc + "mnt"), NsLink("/proc/self/ns/mnt"));
    CommandResult rm = Berthctl({"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    // The detached init was re-parented to the host's PID 1, which reaps its zombie when it gets to it.
    for (int i = 0; i < 500 && std::filesystem::exists("/proc/" + m[1].str()); ++i)
        ::usleep(10000);
    ExpectNothingLeftBehind();
}

class LaunchCliNetnsTest : public LaunchCliTest {
protected:
    void SetUp() override {
        LaunchCliTest::SetUp();
        if (IsSkipped())
            return;
        netns_ = "berth-lct-" + std::to_string(::getpid());
        if (RunCommand({"/usr/sbin/ip", "netns", "add", netns_}).exit_code != 0)
            GTEST_SKIP() << "ip netns add " << netns_ << " failed";
    }
    void TearDown() override {
        if (!netns_.empty())
            RunCommand({"/usr/sbin/ip", "netns", "delete", netns_});
        LaunchCliTest::TearDown();
    }
    std::string netns_;
};

TEST_F(LaunchCliNetnsTest, NetnsOptionJoinsTheSameNamespace) {
    std::string path = "/run/netns/" + netns_;
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    CommandResult r = RunScript("readlink /proc/self/ns/net", {"--netns", path});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "net:[" + std::to_string(st.st_ino) + "]\n");
    ExpectNothingLeftBehind();
}

TEST_F(LaunchCliTest, NewNetnsHasOnlyLoopbackUp) {
    CommandResult r = RunScript("ip -o link | wc -l; ip -o link show lo");
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out.substr(0, 2), "1\n") << Describe(r);
    EXPECT_NE(r.out.find("<LOOPBACK,UP,LOWER_UP>"), std::string::npos) << Describe(r);
}

TEST_F(LaunchCliTest, MissingRootfsIsAClearError) {
    std::string missing = TempDir() + "/no-rootfs";
    ExpectFailure(Berthctl({"run", "--rootfs", missing, "--", "/bin/true"}),
                  "rootfs " + missing + ": No such file or directory");
}

TEST_F(LaunchCliTest, MissingCommandIsAClearError) {
    ExpectFailure(Berthctl({"run", "--rootfs", Rootfs(), "--", "/bin/no-such-command"}),
                  "exec /bin/no-such-command: No such file or directory");
}

TEST_F(LaunchCliTest, BadNetnsPathIsAClearError) {
    ExpectFailure(RunScript("true", {"--netns", "/run/netns/berth-no-such-netns"}),
                  "open net namespace /run/netns/berth-no-such-netns: No such file or directory");
}

TEST_F(LaunchCliTest, BadMountSourceIsAClearError) {
    std::string name = UniqueName("badmount");
    WriteContainerToml(name, "rootfs = \"" + Rootfs() +
                                 "\"\n[process]\nargs = [\"/bin/true\"]\n"
                                 "[[mounts]]\nsource = \"/no-such-source\"\ndestination = \"/mnt\"\ntype = \"bind\"\n"
                                 "options = [\"rbind\", \"ro\"]\n");
    ExpectFailure(Berthctl({"run", name}), "mount /no-such-source on /mnt: No such file or directory");
}

}  // namespace
}  // namespace berth::testing
