// podman with the systemd cgroup manager driving the OCI runtime under test (berth-runtime, or
// $BERTH_OCI_RUNTIME) inside a real systemd booted by the harness: podman passes --systemd-cgroup
// and cgroupsPath machine.slice:libpod:ID, and the container must run as the transient scope
// libpod-ID.scope; run, exec, stop, run --rm.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

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
    std::string ScopeState(const std::string& id) { return UnitProperty("libpod-" + id + ".scope", "ActiveState"); }
    std::string UnitProperty(const std::string& unit, const std::string& property) {
        CommandResult r = Run({"systemctl", "show", "--property", property, "--value", unit});
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

// The runtime alone with --systemd-cgroup: cgroupsPath slice:prefix:name is the transient scope
// prefix-name.scope in that slice (made by systemd when it is new), gone with the container.
TEST_F(PodmanSystemd, RuntimeRunsTheContainerAsTheCgroupsPathScope) {
    const std::string id = env->UniqueName("cgpath");
    const std::string bundle = env->TempDir() + "/bundle-" + id;
    ::mkdir(bundle.c_str(), 0755);
    const std::string config = R"({"ociVersion": "1.0.2",
        "root": {"path": ")" + env->TempDir() + R"(/rootfs"},
        "process": {"args": ["sleep", "600"], "cwd": "/", "env": ["PATH=/bin"]},
        "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}],
                  "cgroupsPath": "berthoci-test.slice:ocitest:)" + id + R"("}})";
    std::ofstream(bundle + "/config.json") << config;
    const std::vector<std::string> runtime = {OciRuntimeUnderTest(), "--root", env->TempDir() + "/runtime-root",
                                              "--systemd-cgroup"};
    auto runtime_argv = [&](const std::vector<std::string>& args) {
        std::vector<std::string> argv = runtime;
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    };
    CommandResult created = Run(runtime_argv({"create", "--bundle", bundle, id}));
    ASSERT_EQ(created.exit_code, 0) << Describe(created);
    const std::string unit = "ocitest-" + id + ".scope";
    EXPECT_EQ(UnitProperty(unit, "ActiveState"), "active");
    EXPECT_EQ(UnitProperty(unit, "Slice"), "berthoci-test.slice");
    // A dash in the slice's name nests it, as systemd's slices always do (below the harness' root).
    EXPECT_EQ(UnitProperty(unit, "ControlGroup"),
              "/" + Harness().CgroupName() + "/berthoci.slice/berthoci-test.slice/" + unit);
    CommandResult deleted = Run(runtime_argv({"delete", "--force", id}));
    EXPECT_EQ(deleted.exit_code, 0) << Describe(deleted);
    EXPECT_NE(UnitProperty(unit, "ActiveState"), "active");
    Run({"systemctl", "stop", "berthoci.slice"});

    std::ofstream(bundle + "/config.json") << config.substr(0, config.find("berthoci-test.slice:")) + "nocolons\"}}";
    CommandResult bad = Run(runtime_argv({"create", "--bundle", bundle, id}));
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("linux.cgroupsPath: expected slice:prefix:name with --systemd-cgroup"), std::string::npos)
        << Describe(bad);
}

// With --systemd-cgroup, what systemd has a property for is set as one (none here on hybrid for
// these), the rest written into the scope's delegated cgroup: v1 memory.soft_limit_in_bytes and
// memory.swappiness, cpuset.mems in Berth's own v1 cpuset at the scope's path, the `unified`
// cgroup.* files in the scope's cgroup2 directory. A unified key for a v1 controller is refused.
TEST_F(PodmanSystemd, RuntimeWritesWhatSystemdHasNoPropertyForIntoTheScopesCgroup) {
    if (::access("/sys/fs/cgroup/memory/cgroup.procs", F_OK) != 0 ||
        ::access("/sys/fs/cgroup/cpuset/cgroup.procs", F_OK) != 0)
        GTEST_SKIP() << "needs the hybrid layout: v1 memory and cpuset hierarchies";
    const std::string id = env->UniqueName("scoperes");
    const std::string bundle = env->TempDir() + "/bundle-" + id;
    ::mkdir(bundle.c_str(), 0755);
    auto config = [&](const std::string& resources) {
        return R"({"ociVersion": "1.0.2",
        "root": {"path": ")" + env->TempDir() + R"(/rootfs"},
        "process": {"args": ["sleep", "600"], "cwd": "/", "env": ["PATH=/bin"]},
        "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}],
                  "cgroupsPath": "berthres.slice:ocitest:)" + id + R"(", "resources": )" + resources + "}}";
    };
    std::ofstream(bundle + "/config.json") << config(R"({"memory": {"reservation": 33554432, "swappiness": 5},
        "cpu": {"mems": "0"}, "unified": {"cgroup.max.descendants": "4"}})");
    const std::vector<std::string> runtime = {OciRuntimeUnderTest(), "--root", env->TempDir() + "/runtime-root",
                                              "--systemd-cgroup"};
    auto runtime_argv = [&](const std::vector<std::string>& args) {
        std::vector<std::string> argv = runtime;
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    };
    CommandResult created = Run(runtime_argv({"create", "--bundle", bundle, id}));
    ASSERT_EQ(created.exit_code, 0) << Describe(created);
    const std::string unit = "ocitest-" + id + ".scope";
    const std::string cgroup = UnitProperty(unit, "ControlGroup");
    auto read = [&](const std::string& path) { return Run({"cat", path}).out; };
    EXPECT_EQ(read("/sys/fs/cgroup/memory" + cgroup + "/memory.soft_limit_in_bytes"), "33554432\n");
    EXPECT_EQ(read("/sys/fs/cgroup/memory" + cgroup + "/memory.swappiness"), "5\n");
    EXPECT_EQ(read("/sys/fs/cgroup/cpuset" + cgroup + "/cpuset.mems"), "0\n");
    EXPECT_EQ(read("/sys/fs/cgroup/unified" + cgroup + "/cgroup.max.descendants"), "4\n");
    CommandResult deleted = Run(runtime_argv({"delete", "--force", id}));
    EXPECT_EQ(deleted.exit_code, 0) << Describe(deleted);
    EXPECT_NE(UnitProperty(unit, "ActiveState"), "active");
    EXPECT_NE(::access(("/sys/fs/cgroup/cpuset" + cgroup).c_str(), F_OK), 0) << "Berth's own cpuset is left";

    std::ofstream(bundle + "/config.json") << config(R"({"unified": {"memory.high": "max"}})");
    CommandResult bad = Run(runtime_argv({"create", "--bundle", bundle, id}));
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("unified key memory.high: the memory controller is on cgroup v1 here"), std::string::npos)
        << Describe(bad);
    EXPECT_NE(UnitProperty(unit, "ActiveState"), "active");
    Run({"systemctl", "stop", "berthres.slice"});
}

}  // namespace
}  // namespace berth::testing
