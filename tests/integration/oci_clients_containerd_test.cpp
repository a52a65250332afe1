// containerd 1.6 with its runc shim (io.containerd.runc.v2) and ctr driving the OCI runtime under
// test through --runc-binary (berth-runtime, or $BERTH_OCI_RUNTIME to compare with runc/crun):
// run --rm, run --detach, task exec, task kill, task delete, container delete. The test program
// starts a containerd of its own (oci_clients_env) and stops it at the end.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "oci_clients_env.hpp"

namespace berth::testing {
namespace {

ContainerdEnv* env = nullptr;

// An init that ends with status 0 on SIGTERM (an init without a handler ignores it).
const std::vector<std::string> kTermExits = {"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

class ContainerdClient : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!MissingClientPrerequisite({"containerd", "ctr", "containerd-shim-runc-v2", OciRuntimeUnderTest()}).empty())
            return;
        env = new ContainerdEnv(OciRuntimeUnderTest());
    }
    static void TearDownTestSuite() {
        delete env;
        env = nullptr;
    }
    void SetUp() override {
        std::string missing =
            MissingClientPrerequisite({"containerd", "ctr", "containerd-shim-runc-v2", OciRuntimeUnderTest()});
        if (!missing.empty())
            GTEST_SKIP() << missing;
        ASSERT_NE(env, nullptr);
    }

    CommandResult Ctr(const std::vector<std::string>& args) { return env->Ctr(args); }
    // ctr run OPTIONS... [--rm|--detach] IMAGE ID CMD...
    CommandResult Run(const std::string& mode, const std::string& id, const std::vector<std::string>& cmd) {
        std::vector<std::string> args = {"run", mode};
        for (const std::string& option : env->RunOptions(id))
            args.push_back(option);
        args.push_back(env->Image());
        args.push_back(id);
        args.insert(args.end(), cmd.begin(), cmd.end());
        return Ctr(args);
    }
    // The STATUS column of `ctr task ls` for id ("" when there is no task).
    std::string TaskStatus(const std::string& id) {
        for (const std::string& line : SplitLines(Ctr({"task", "ls"}).out)) {
            if (line.rfind(id + " ", 0) == 0)
                return line.substr(line.find_last_of(' ') + 1);
        }
        return "";
    }
    bool WaitForTaskStatus(const std::string& id, const std::string& status) {
        for (int i = 0; i < 200; ++i) {
            if (TaskStatus(id) == status)
                return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
};

TEST_F(ContainerdClient, RunRemovePassesOutputAndExitCode) {
    std::string id = env->UniqueName("rm");
    CommandResult r = Run("--rm", id, {"/bin/sh", "-c", "echo hello from pid $$; exit 4"});
    EXPECT_EQ(r.exit_code, 4) << Describe(r) << env->Log();
    EXPECT_EQ(r.out, "hello from pid 1\n") << "the command is the init of a new pid namespace: " << Describe(r);
    EXPECT_EQ(Ctr({"container", "info", id}).exit_code, 1) << "run --rm removed the container";
}

TEST_F(ContainerdClient, DetachedExecKillDelete) {
    std::string id = env->UniqueName("task");
    CommandResult run = Run("--detach", id, kTermExits);
    ASSERT_EQ(run.exit_code, 0) << Describe(run) << env->Log();
    ASSERT_TRUE(WaitForTaskStatus(id, "RUNNING")) << Ctr({"task", "ls"}).out;

    CommandResult exec = Ctr({"task", "exec", "--exec-id", "e1", id, "/bin/sh", "-c", "echo $((6 * 7)); cat /proc/1/cmdline"});
    EXPECT_EQ(exec.exit_code, 0) << Describe(exec);
    EXPECT_EQ(exec.out.rfind("42\n/bin/sh", 0), 0u) << "exec runs beside the task's init: " << Describe(exec);
    CommandResult failing = Ctr({"task", "exec", "--exec-id", "e2", id, "/bin/sh", "-c", "exit 9"});
    EXPECT_EQ(failing.exit_code, 9) << Describe(failing);
    CommandResult as_user = Ctr({"task", "exec", "--exec-id", "e3", "--user", "65534", "--cwd", "/tmp", id,
                                 "/bin/sh", "-c", "echo $(id -u) $PWD"});
    EXPECT_EQ(as_user.exit_code, 0) << Describe(as_user);
    EXPECT_EQ(as_user.out, "65534 /tmp\n") << Describe(as_user);

    CommandResult pids = Ctr({"task", "ps", id});
    EXPECT_EQ(pids.exit_code, 0) << Describe(pids);
    EXPECT_EQ(SplitLines(pids.out).size(), 3u) << "a header, the init and its sleep: " << Describe(pids);

    CommandResult pause = Ctr({"task", "pause", id});
    EXPECT_EQ(pause.exit_code, 0) << Describe(pause);
    EXPECT_TRUE(WaitForTaskStatus(id, "PAUSED")) << Ctr({"task", "ls"}).out;
    CommandResult resume = Ctr({"task", "resume", id});
    EXPECT_EQ(resume.exit_code, 0) << Describe(resume);
    EXPECT_TRUE(WaitForTaskStatus(id, "RUNNING")) << Ctr({"task", "ls"}).out;

    CommandResult kill = Ctr({"task", "kill", "--signal", "SIGTERM", id});
    EXPECT_EQ(kill.exit_code, 0) << Describe(kill);
    EXPECT_TRUE(WaitForTaskStatus(id, "STOPPED")) << Ctr({"task", "ls"}).out;
    CommandResult task_delete = Ctr({"task", "delete", id});
    EXPECT_EQ(task_delete.exit_code, 0) << Describe(task_delete);
    EXPECT_EQ(TaskStatus(id), "");
    CommandResult delete_container = Ctr({"container", "delete", id});
    EXPECT_EQ(delete_container.exit_code, 0) << Describe(delete_container);
}

TEST_F(ContainerdClient, ZzNothingLeftBehindAfterDelete) {
    // Runs last in this program: every task and container above is deleted by now. containerd
    // itself (and the import's content) is the environment's, removed when it is destroyed.
    EXPECT_EQ(Ctr({"task", "list", "--quiet"}).out, "");
    EXPECT_EQ(Ctr({"container", "list", "--quiet"}).out, "");
    std::string joined;
    for (const std::string& item : env->FindLeftovers().items) {
        if (item.find("containerd --config") == std::string::npos)
            joined += item + "\n";
    }
    EXPECT_EQ(joined, "");
}

}  // namespace
}  // namespace berth::testing
