// podman with the systemd cgroup manager driving the OCI runtime under test (berth-runtime, or
// $BERTH_OCI_RUNTIME) inside a real systemd booted by the harness: podman passes --systemd-cgroup
// and cgroupsPath machine.slice:libpod:ID, and the container must run as the transient scope
// libpod-ID.scope; run, exec, stop, run --rm.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci_clients_env.hpp"
#include "systemd_harness.hpp"

namespace berth::testing {
namespace {

PodmanEnv* env = nullptr;
constexpr const char* kBaseDir = "/var/lib/berth-oci-e2e";

const std::vector<std::string> kTermExits = {"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

class PodmanSystemd : public harness::SystemdHarnessTest {
protected:
    static void TearDownTestSuite() {
        delete env;
        env = nullptr;
        ::rmdir(kBaseDir);
    }
    void SetUp() override {
        std::string missing = MissingClientPrerequisite({"podman", "conmon", OciRuntimeUnderTest()});
        if (!missing.empty())
            GTEST_SKIP() << missing;
        harness::SystemdHarnessTest::SetUp();
        if (IsSkipped())
            return;
        // Visible inside the harness (not below /tmp), and short: podman wants a runroot of at
        // most 50 characters.
        if (!env) {
            ::mkdir(kBaseDir, 0755);
            env = new PodmanEnv(OciRuntimeUnderTest(), "systemd", kBaseDir);
        }
    }
    void TearDown() override {
        if (env)
            Podman({"rm", "--all", "--force", "--time", "0"});
    }
    // podman inside the harness (its system bus, its systemd).
    CommandResult Podman(const std::vector<std::string>& args) { return Run(env->Argv(args)); }
    std::string ScopeState(const std::string& id) {
        CommandResult r = Run({"systemctl", "show", "--property", "ActiveState", "--value", "libpod-" + id + ".scope"});
        if (r.exit_code != 0)
            return "error: " + r.err;
        std::vector<std::string> lines = SplitLines(r.out);
        return lines.empty() ? "" : lines[0];
    }
};

TEST_F(PodmanSystemd, ContainerRunsAsItsTransientScope) {
    std::string name = env->UniqueName("scope");
    std::vector<std::string> run = {"run", "--detach", "--name", name, "--network", "none", env->Image()};
    run.insert(run.end(), kTermExits.begin(), kTermExits.end());
    CommandResult started = Podman(run);
    ASSERT_EQ(started.exit_code, 0) << Describe(started);
    std::string id = SplitLines(started.out).back();
    EXPECT_EQ(ScopeState(id), "active");
    CommandResult cgroup = Podman({"exec", name, "cat", "/proc/1/cgroup"});
    EXPECT_NE(cgroup.out.find("machine.slice/libpod-" + id + ".scope"), std::string::npos) << Describe(cgroup);

    CommandResult stop = Podman({"stop", "--time", "60", name});
    EXPECT_EQ(stop.exit_code, 0) << Describe(stop);
    CommandResult code = Podman({"inspect", "--format", "{{.State.ExitCode}}", name});
    EXPECT_EQ(code.out, "0\n") << Describe(code);
    EXPECT_NE(ScopeState(id), "active") << "the scope ends with the container";

    CommandResult rm = Podman({"run", "--rm", "--network", "none", env->Image(), "/bin/sh", "-c", "exit 3"});
    EXPECT_EQ(rm.exit_code, 3) << Describe(rm);
}

}  // namespace
}  // namespace berth::testing
