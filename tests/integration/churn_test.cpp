// Churn (issue 14): hundreds of foreground runs, detached runs removed again, and execs into one
// container, with the cgroupfs driver in-process; afterwards no mount, cgroup, network namespace,
// state entry or process is left. The systemd driver's and checkpoint/restore's churn live beside
// their fixtures (daemon_test.cpp, checkpoint_test.cpp).
//
// BERTH_CHURN_CYCLES sets the number of cycles per case (default 500, as the issue asks).
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace berth::testing {
namespace {

int Cycles() {
    const char* text = std::getenv("BERTH_CHURN_CYCLES");
    int cycles = text != nullptr ? std::atoi(text) : 0;
    return cycles > 0 ? cycles : 500;
}

// What a leak would change on the host: every mount (not only those under the test's dirs) and
// every named network namespace.
struct HostCounts {
    size_t mounts = 0;
    size_t named_netns = 0;
    bool operator==(const HostCounts& other) const {
        return mounts == other.mounts && named_netns == other.named_netns;
    }
};

HostCounts CountHost() {
    HostCounts counts;
    counts.mounts = MountsUnder("/").size();
    std::string list = RunCommand({"ip", "netns", "list"}).out;
    counts.named_netns = SplitLines(list).size();
    return counts;
}

std::ostream& operator<<(std::ostream& out, const HostCounts& counts) {
    return out << counts.mounts << " mounts, " << counts.named_netns << " named netns";
}

class ChurnTest : public BerthFixture {
protected:
    void SetUp() override {
        BerthFixture::SetUp();
        if (IsSkipped())
            return;
        before_ = CountHost();
    }
    // Every cycle removes what it made: the host looks as before and the fixture finds nothing.
    void ExpectNoLeaks() {
        EXPECT_EQ(CountHost(), before_);
        ExpectNothingLeftBehind();
    }
    std::vector<std::string> Run(const std::string& name, bool detach, const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"run", "--rootfs", Rootfs(), "--name", name};
        if (detach)
            argv.push_back("--detach");
        argv.push_back("--");
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }
    HostCounts before_;
};

TEST_F(ChurnTest, ForegroundRunsLeaveNothing) {
    const int cycles = Cycles();
    for (int i = 0; i < cycles; ++i) {
        CommandResult r = Berthctl(Run(UniqueName("fg"), false, {"/bin/sh", "-c", "exit 3"}));
        ASSERT_EQ(r.exit_code, 3) << "cycle " << i << ": " << Describe(r);
    }
    ExpectNoLeaks();
}

TEST_F(ChurnTest, DetachedRunsRemovedAgainLeaveNothing) {
    const int cycles = Cycles();
    for (int i = 0; i < cycles; ++i) {
        std::string name = UniqueName("det");
        CommandResult r = Berthctl(Run(name, true, {"/bin/sleep", "1000"}));
        ASSERT_EQ(r.exit_code, 0) << "cycle " << i << ": " << Describe(r);
        r = Berthctl({"rm", "--force", name});
        ASSERT_EQ(r.exit_code, 0) << "cycle " << i << ": " << Describe(r);
    }
    EXPECT_EQ(Berthctl({"list", "--json"}).out, "[]\n");
    ExpectNoLeaks();
}

TEST_F(ChurnTest, ExecsIntoOneContainerLeaveOnlyItsInit) {
    const int cycles = Cycles();
    std::string name = UniqueName("exec");
    CommandResult r = Berthctl(Run(name, true, {"/bin/sleep", "1000"}));
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    for (int i = 0; i < cycles; ++i) {
        r = Berthctl({"exec", name, "--", "/bin/sh", "-c", "exit 4"});
        ASSERT_EQ(r.exit_code, 4) << "cycle " << i << ": " << Describe(r);
    }
    // Every exec'd process has ended: the container's processes are its init alone.
    r = Berthctl({"ps", name});
    EXPECT_EQ(SplitLines(r.out).size(), 1u) << "the init's pid alone: " << Describe(r);
    EXPECT_EQ(ProcessesInCgroupsContaining(name).size(), 1u);
    ASSERT_EQ(Berthctl({"rm", "--force", name}).exit_code, 0);
    ExpectNoLeaks();
}

}  // namespace
}  // namespace berth::testing
