// podman 4.3 (with conmon) driving the OCI runtime under test (berth-runtime, or $BERTH_OCI_RUNTIME
// to compare with runc/crun): run, run --rm, exec, ps, stop, checkpoint/restore (in place and
// through --export/--import) of a container that joined a netns by path, and a restore that fails
// because that netns is gone. One private podman environment per test program (oci_clients_env).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>
#include <thread>

#include "oci_clients_env.hpp"

namespace berth::testing {
namespace {

PodmanEnv* env = nullptr;

class PodmanClient : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!MissingClientPrerequisite({"podman", "conmon", OciRuntimeUnderTest()}).empty())
            return;
        env = new PodmanEnv(OciRuntimeUnderTest());
    }
    static void TearDownTestSuite() {
        delete env;
        env = nullptr;
    }
    void SetUp() override {
        std::string missing = MissingClientPrerequisite({"podman", "conmon", OciRuntimeUnderTest()});
        if (!missing.empty())
            GTEST_SKIP() << missing;
        ASSERT_NE(env, nullptr);
    }
    void TearDown() override {
        if (!env)
            return;
        for (const std::string& name : names_)
            env->Podman({"rm", "--force", "--time", "0", name});
        for (const std::string& netns : netns_)
            RunCommand({"ip", "netns", "delete", netns});
    }

    std::string Name(const std::string& base) {
        names_.push_back(env->UniqueName(base));
        return names_.back();
    }
    // A netns of this test's own at /run/netns/NAME (`ip netns add`), removed at TearDown.
    std::string NetnsPath(const std::string& base) {
        netns_.push_back(env->UniqueName(base));
        CommandResult added = RunCommand({"ip", "netns", "add", netns_.back()});
        EXPECT_EQ(added.exit_code, 0) << Describe(added);
        return "/run/netns/" + netns_.back();
    }
    CommandResult Podman(const std::vector<std::string>& args) { return env->Podman(args); }
    // podman run -d with the environment's cgroup parent and no network.
    CommandResult RunDetached(const std::string& name, const std::vector<std::string>& cmd,
                              const std::string& network = "none") {
        std::vector<std::string> args = {"run", "--detach", "--name", name, "--network", network,
                                         "--cgroup-parent", env->CgroupParent(), env->Image()};
        args.insert(args.end(), cmd.begin(), cmd.end());
        return Podman(args);
    }
    std::string Status(const std::string& name) {
        CommandResult r = Podman({"inspect", "--format", "{{.State.Status}}", name});
        return r.exit_code == 0 ? SplitLines(r.out).at(0) : "error: " + r.err;
    }

private:
    std::vector<std::string> names_;
    std::vector<std::string> netns_;
};

// A shell loop counting in /tmp/count every 0.1 s: its value shows the process kept its memory
// (a restored counter continues, a restarted one starts at 1). Each value is written to a new file
// renamed over the old one, so a reader never sees the file truncated and still empty.
// An init that ends with status 0 on SIGTERM (an init without a handler ignores it).
const std::vector<std::string> kTermExits = {"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

const std::vector<std::string> kCounter = {
    "/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.1; done"};

long ReadCount(PodmanEnv& podman, const std::string& name) {
    CommandResult r = podman.Podman({"exec", name, "cat", "/tmp/count"});
    if (r.exit_code == 0 && !r.out.empty())
        return std::stol(r.out);
    ADD_FAILURE() << "reading the counter of " << name << ": " << Describe(r);
    return -1;
}

// The inode of a netns: from /proc/1/ns/net inside the container ("net:[INODE]") or a path.
std::string NetnsInodeInside(PodmanEnv& podman, const std::string& name) {
    CommandResult r = podman.Podman({"exec", name, "readlink", "/proc/1/ns/net"});
    return r.exit_code == 0 ? SplitLines(r.out).at(0) : "error: " + r.err;
}
std::string NetnsInodeOf(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return "missing " + path;
    return "net:[" + std::to_string(st.st_ino) + "]";
}

TEST_F(PodmanClient, RunRemovePassesOutputAndExitCode) {
    std::string name = Name("rm");
    CommandResult r = Podman({"run", "--rm", "--name", name, "--network", "none", "--cgroup-parent",
                              env->CgroupParent(), env->Image(), "/bin/sh", "-c", "echo hello from pid $$; exit 3"});
    EXPECT_EQ(r.exit_code, 3) << Describe(r);
    EXPECT_EQ(r.out, "hello from pid 1\n") << Describe(r);
    CommandResult all = Podman({"ps", "--all", "--quiet", "--filter", "name=" + name});
    EXPECT_EQ(all.exit_code, 0) << Describe(all);
    EXPECT_EQ(all.out, "") << "run --rm left the container";
}

TEST_F(PodmanClient, RunDetachedExecPsStop) {
    std::string name = Name("exec");
    CommandResult run = RunDetached(name, kTermExits);
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    EXPECT_EQ(Status(name), "running");

    CommandResult ps = Podman({"ps", "--format", "{{.Names}} {{.Status}}", "--filter", "name=" + name});
    EXPECT_EQ(ps.exit_code, 0) << Describe(ps);
    EXPECT_EQ(ps.out.rfind(name + " Up", 0), 0u) << Describe(ps);

    CommandResult exec = Podman({"exec", name, "/bin/sh", "-c", "echo $((6 * 7)); cat /proc/1/cmdline"});
    EXPECT_EQ(exec.exit_code, 0) << Describe(exec);
    EXPECT_EQ(exec.out.rfind("42\n/bin/sh", 0), 0u) << "exec runs beside the container's init: " << Describe(exec);
    CommandResult failing = Podman({"exec", name, "/bin/sh", "-c", "exit 7"});
    EXPECT_EQ(failing.exit_code, 7) << Describe(failing);
    CommandResult env_user = Podman({"exec", "--env", "GREETING=hi", "--user", "65534:65534", "--workdir", "/tmp",
                                     name, "/bin/sh", "-c", "echo $GREETING $(id -u):$(id -g) $PWD"});
    EXPECT_EQ(env_user.exit_code, 0) << Describe(env_user);
    EXPECT_EQ(env_user.out, "hi 65534:65534 /tmp\n") << Describe(env_user);
    CommandResult tty = Podman({"exec", "--tty", name, "/bin/sh", "-c", "tty"});
    EXPECT_EQ(tty.exit_code, 0) << Describe(tty);
    EXPECT_NE(tty.out.find("/dev/pts/"), std::string::npos) << "exec --tty gets a pty: " << Describe(tty);

    CommandResult top = Podman({"top", name, "pid", "args"});
    EXPECT_EQ(top.exit_code, 0) << Describe(top);
    EXPECT_NE(top.out.find("sleep 1000"), std::string::npos) << Describe(top);

    // The init exits 0 on SIGTERM, well before the timeout would bring SIGKILL (137).
    CommandResult stop = Podman({"stop", "--time", "60", name});
    EXPECT_EQ(stop.exit_code, 0) << Describe(stop);
    EXPECT_EQ(Status(name), "exited");
    CommandResult code = Podman({"inspect", "--format", "{{.State.ExitCode}}", name});
    EXPECT_EQ(code.out, "0\n") << "stopped by SIGTERM, not killed: " << Describe(code);
    CommandResult rm = Podman({"rm", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
}

TEST_F(PodmanClient, PauseAndUnpauseFreezeTheContainer) {
    std::string name = Name("pause");
    ASSERT_EQ(RunDetached(name, kCounter).exit_code, 0);
    ASSERT_EQ(Podman({"pause", name}).exit_code, 0);
    EXPECT_EQ(Status(name), "paused");
    ASSERT_EQ(Podman({"unpause", name}).exit_code, 0);
    EXPECT_EQ(Status(name), "running");
    EXPECT_GT(ReadCount(*env, name), 0);
}

TEST_F(PodmanClient, CheckpointRestoreKeepsMemoryAndJoinedNetns) {
    std::string netns = NetnsPath("net");
    std::string name = Name("ckpt");
    CommandResult run = RunDetached(name, kCounter, "ns:" + netns);
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    EXPECT_EQ(NetnsInodeInside(*env, name), NetnsInodeOf(netns));
    std::this_thread::sleep_for(500ms);
    long before = ReadCount(*env, name);
    ASSERT_GT(before, 0);

    CommandResult checkpoint = Podman({"container", "checkpoint", name});
    ASSERT_EQ(checkpoint.exit_code, 0) << Describe(checkpoint);
    EXPECT_EQ(Status(name), "exited");

    CommandResult restore = Podman({"container", "restore", name});
    ASSERT_EQ(restore.exit_code, 0) << Describe(restore);
    EXPECT_EQ(Status(name), "running");
    long after = ReadCount(*env, name);
    EXPECT_GE(after, before) << "the restored counter went on from its checkpointed value";
    EXPECT_EQ(NetnsInodeInside(*env, name), NetnsInodeOf(netns)) << "restored into the netns it had joined";
}

TEST_F(PodmanClient, CheckpointExportImportRestoresElsewhere) {
    std::string name = Name("export");
    ASSERT_EQ(RunDetached(name, kCounter).exit_code, 0);
    std::this_thread::sleep_for(500ms);
    long before = ReadCount(*env, name);
    ASSERT_GT(before, 0);
    std::string archive = env->TempDir() + "/" + name + ".tar.gz";
    CommandResult exported = Podman({"container", "checkpoint", "--export", archive, name});
    ASSERT_EQ(exported.exit_code, 0) << Describe(exported);
    ASSERT_EQ(Podman({"rm", name}).exit_code, 0);

    std::string restored = Name("imported");
    CommandResult imported = Podman({"container", "restore", "--import", archive, "--name", restored});
    ASSERT_EQ(imported.exit_code, 0) << Describe(imported);
    EXPECT_EQ(Status(restored), "running");
    EXPECT_GE(ReadCount(*env, restored), before);
}

TEST_F(PodmanClient, RestoreFailsWhenTheJoinedNetnsIsGone) {
    std::string netns = NetnsPath("gone");
    std::string name = Name("gone");
    ASSERT_EQ(RunDetached(name, kCounter, "ns:" + netns).exit_code, 0);
    CommandResult checkpoint = Podman({"container", "checkpoint", name});
    ASSERT_EQ(checkpoint.exit_code, 0) << Describe(checkpoint);
    std::string netns_name = netns.substr(netns.rfind('/') + 1);
    ASSERT_EQ(RunCommand({"ip", "netns", "delete", netns_name}).exit_code, 0);

    CommandResult restore = Podman({"container", "restore", name});
    EXPECT_NE(restore.exit_code, 0) << Describe(restore);
    EXPECT_NE(restore.err.find(netns), std::string::npos) << "the error names the missing netns: " << Describe(restore);
    EXPECT_NE(Status(name), "running");
}

TEST_F(PodmanClient, ZzNothingLeftBehindAfterRemoval) {
    // Runs last in this program: every container of the tests above is removed by now.
    CommandResult all = Podman({"ps", "--all", "--quiet"});
    EXPECT_EQ(all.out, "") << Describe(all);
    Leftovers left = env->FindLeftovers();
    std::string joined;
    for (const std::string& item : left.items)
        joined += item + "\n";
    EXPECT_TRUE(left.items.empty()) << joined;
}

}  // namespace
}  // namespace berth::testing
