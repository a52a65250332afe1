// The shared fixture itself: command capture, exit codes, the rootfs and cleanup checks.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.hpp"

namespace berth::testing {
namespace {

TEST(RunCommandTest, CapturesOutputAndExitCode) {
    CommandResult r = RunCommand({"/bin/sh", "-c", "echo out; echo err >&2; exit 7"});
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
}

TEST(RunCommandTest, FeedsStdin) {
    CommandResult r = RunCommand({"/bin/cat"}, "piped text");
    EXPECT_EQ(r.out, "piped text");
}

TEST(RunCommandTest, ReportsSignalAs128PlusN) {
    CommandResult r = RunCommand({"/bin/sh", "-c", "kill -USR1 $$"});
    EXPECT_EQ(r.exit_code, 128 + SIGUSR1);
}

TEST(RunCommandTest, DoesNotWaitForOutputHeldOpenByGrandchildren) {
    // As a detached container would: the background sleep keeps stdout open after sh exits.
    CommandResult r = RunCommand({"/bin/sh", "-c", "sleep 30 & echo $!"}, "", std::chrono::seconds(20));
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0);
    ASSERT_FALSE(r.out.empty());
    ::kill(std::stoi(r.out), SIGKILL);
}

TEST(RunningCommandTest, SeesOutputBeforeExitAndDeliversSignals) {
    RunningCommand cmd({"/bin/sh", "-c", "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.05; done"}, "");
    ASSERT_TRUE(cmd.WaitForOutput("ready"));
    cmd.Signal(SIGTERM);
    CommandResult r = cmd.Wait();
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.out.find("got-term"), std::string::npos);
}

class FixtureSelfTest : public BerthFixture {};

TEST_F(FixtureSelfTest, BuildsABusyboxRootfs) {
    struct stat st;
    ASSERT_EQ(::stat((Rootfs() + "/bin/busybox").c_str(), &st), 0);
    EXPECT_TRUE(st.st_mode & S_IXUSR);
    char target[64] = {};
    ASSERT_GT(::readlink((Rootfs() + "/bin/sh").c_str(), target, sizeof target - 1), 0);
    EXPECT_STREQ(target, "busybox");
    EXPECT_EQ(::access((Rootfs() + "/proc").c_str(), F_OK), 0);
}

TEST_F(FixtureSelfTest, NamesAreUniqueAndValidContainerIds) {
    std::string a = UniqueName("x"), b = UniqueName("x");
    EXPECT_NE(a, b);
    EXPECT_LE(a.size(), 64u);
    EXPECT_EQ(a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"), std::string::npos);
}

TEST_F(FixtureSelfTest, FindsProcessesRootedInTheRootfs) {
    RunningCommand cmd({"/usr/sbin/chroot", Rootfs(), "/bin/sh", "-c", "echo ready; sleep 30"}, "");
    ASSERT_TRUE(cmd.WaitForOutput("ready"));
    EXPECT_FALSE(ProcessesRootedIn(Rootfs()).empty());
    cmd.Signal(SIGKILL);
    cmd.Wait();
}

TEST_F(FixtureSelfTest, BerthctlRunsWithTheGlobalOptions) {
    CommandResult r = Berthctl({"--help"});
    // --help after the global options is still a global option: usage text, exit 0.
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find("Usage: berthctl"), std::string::npos) << Describe(r);
}

}  // namespace
}  // namespace berth::testing
