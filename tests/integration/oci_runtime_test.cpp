// berth-runtime (issue 13) driven as conmon and containerd's shim drive runc: OCI bundles with a
// busybox rootfs, the create/start/state/kill/delete lifecycle, config.json fields observed from
// inside the container and from its cgroup, hooks, and the errors naming JSON paths.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "fixture.hpp"

namespace berth::testing {
namespace {

using nlohmann::json;

std::string ReadText(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class OciRuntimeTest : public BerthFixture {
protected:
    // What `runc spec` writes, trimmed to busybox: the launcher's own /proc, /dev and /sys stand
    // for the usual system mounts.
    json MinimalSpec(const std::vector<std::string>& args) const {
        json spec = json::parse(R"({
            "ociVersion": "1.0.2",
            "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/",
                        "env": ["PATH=/bin:/usr/bin", "TERM=xterm"],
                        "capabilities": {"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                                         "effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                                         "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"]},
                        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
                        "noNewPrivileges": true},
            "hostname": "oci",
            "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                       {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
                       {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro"]}],
            "linux": {"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
                                     {"type": "mount"}],
                      "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"]}
        })");
        spec["root"] = {{"path", Rootfs()}};
        spec["process"]["args"] = args;
        return spec;
    }

    // A bundle directory of its own with config.json.
    std::string WriteBundle(const json& spec) {
        std::string dir = TempDir() + "/bundle" + std::to_string(++bundles_);
        ::mkdir(dir.c_str(), 0755);
        std::ofstream(dir + "/config.json") << spec.dump(2);
        return dir;
    }

    CommandResult Runtime(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 60s) {
        std::vector<std::string> argv = {BERTH_TEST_RUNTIME, "--root", StateDir()};
        argv.insert(argv.end(), args.begin(), args.end());
        return RunningCommand(argv, "").Wait(timeout);
    }

    json State(const std::string& id) {
        CommandResult r = Runtime({"state", id});
        EXPECT_EQ(r.exit_code, 0) << Describe(r);
        return r.exit_code == 0 ? json::parse(r.out) : json::object();
    }

    // Waits until the container's state says stopped (its init was reaped by whoever inherited it).
    bool WaitStopped(const std::string& id) {
        for (int i = 0; i < 200; ++i) {
            if (State(id).value("status", "") == "stopped")
                return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    // `run` in the foreground: the container's output and exit code.
    CommandResult RunSpec(const json& spec) {
        std::string bundle = WriteBundle(spec);
        return Runtime({"run", "--bundle", bundle, UniqueName("run")});
    }

    int bundles_ = 0;
};

TEST_F(OciRuntimeTest, CreateStartStateKillDeleteLifecycle) {
    const std::string id = UniqueName("life");
    std::string bundle = WriteBundle(MinimalSpec({"sleep", "600"}));
    const std::string pid_file = TempDir() + "/pid";
    CommandResult created = Runtime({"create", "--bundle", bundle, "--pid-file", pid_file, id});
    ASSERT_EQ(created.exit_code, 0) << Describe(created);

    json state = State(id);
    EXPECT_EQ(state["status"], "created");
    EXPECT_EQ(state["id"], id);
    EXPECT_EQ(state["bundle"], bundle);
    EXPECT_EQ(state["ociVersion"], "1.0.2");
    int pid = state["pid"].get<int>();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(ReadText(pid_file), std::to_string(pid));
    // Created: the init exists but has not exec'd the user's program yet.
    EXPECT_EQ(ReadText("/proc/" + std::to_string(pid) + "/comm").find("sleep"), std::string::npos);

    CommandResult started = Runtime({"start", id});
    ASSERT_EQ(started.exit_code, 0) << Describe(started);
    EXPECT_EQ(State(id)["status"], "running");
    for (int i = 0; i < 100 && ReadText("/proc/" + std::to_string(pid) + "/comm") != "sleep\n"; ++i)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(ReadText("/proc/" + std::to_string(pid) + "/comm"), "sleep\n");
    // A second start is refused.
    EXPECT_EQ(Runtime({"start", id}).exit_code, 1);

    // Running: delete without --force is refused.
    EXPECT_EQ(Runtime({"delete", id}).exit_code, 1);
    CommandResult killed = Runtime({"kill", id, "KILL"});
    ASSERT_EQ(killed.exit_code, 0) << Describe(killed);
    EXPECT_TRUE(WaitStopped(id));
    EXPECT_EQ(State(id)["pid"], 0);
    CommandResult deleted = Runtime({"delete", id});
    ASSERT_EQ(deleted.exit_code, 0) << Describe(deleted);
    EXPECT_NE(Runtime({"state", id}).exit_code, 0);
    EXPECT_EQ(Runtime({"delete", "--force", id}).exit_code, 0);  // gone already: quiet with --force
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, DeleteOfACreatedContainerTakesItsWaitingInitDown) {
    const std::string id = UniqueName("created");
    std::string bundle = WriteBundle(MinimalSpec({"sleep", "600"}));
    ASSERT_EQ(Runtime({"create", "--bundle", bundle, id}).exit_code, 0);
    int pid = State(id)["pid"].get<int>();
    CommandResult deleted = Runtime({"delete", id});
    ASSERT_EQ(deleted.exit_code, 0) << Describe(deleted);
    EXPECT_NE(ReadText("/proc/" + std::to_string(pid) + "/comm"), "sleep\n");
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, RunExitsWithTheContainersExitCode) {
    CommandResult r = RunSpec(MinimalSpec({"sh", "-c", "echo hello; exit 3"}));
    EXPECT_EQ(r.exit_code, 3) << Describe(r);
    EXPECT_EQ(r.out, "hello\n");
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, ProcessFieldsHaveTheirEffectInside) {
    json spec = MinimalSpec({"sh", "-c", "hostname; ulimit -n; id -u; id -g; id -G; pwd; grep CapBnd /proc/self/status;"
                                         "grep NoNewPrivs /proc/self/status; echo $FOO; cat /proc/self/oom_score_adj"});
    spec["process"]["user"] = {{"uid", 1000}, {"gid", 1000}, {"additionalGids", {2000}}};
    spec["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"hard", 512}, {"soft", 256}}};
    spec["process"]["cwd"] = "/tmp";
    spec["process"]["env"].push_back("FOO=bar");
    spec["process"]["oomScoreAdj"] = 321;
    spec["hostname"] = "ocihost";
    CommandResult r = RunSpec(spec);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    // CAP_KILL (5) and CAP_NET_BIND_SERVICE (10): 0x420.
    EXPECT_EQ(r.out, "ocihost\n256\n1000\n1000\n1000 2000\n/tmp\nCapBnd:\t0000000000000420\nNoNewPrivs:\t1\nbar\n321\n");
}

TEST_F(OciRuntimeTest, RootReadonlyMountsMaskedAndReadonlyPaths) {
    const std::string data = TempDir() + "/data";
    ::mkdir(data.c_str(), 0755);
    std::ofstream(data + "/file") << "from the host\n";
    json spec = MinimalSpec({"sh", "-c", "cat /data/file; touch /x 2>/dev/null || echo root-ro;"
                                         "touch /data/y 2>/dev/null || echo data-ro; grep -c ' /run ' /proc/self/mountinfo;"
                                         "wc -c < /proc/cpuinfo; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo sys-ro"});
    spec["root"]["readonly"] = true;
    spec["linux"]["maskedPaths"] = {"/proc/cpuinfo"};  // a file: /dev/null is bound over it
    spec["mounts"].push_back({{"destination", "/data"}, {"type", "bind"}, {"source", data}, {"options", {"rbind", "ro"}}});
    spec["mounts"].push_back({{"destination", "/run"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"size=1m"}}});
    CommandResult r = RunSpec(spec);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "from the host\nroot-ro\ndata-ro\n1\n0\nsys-ro\n");
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, SeccompArgsConditionsReturnTheErrno) {
    json spec = MinimalSpec({"sh", "-c", "touch /tmp/a; chmod 700 /tmp/a 2>&1; chmod 755 /tmp/a && echo 755-set"});
    // chmod(path, mode) and fchmodat(dirfd, path, mode) to 0700 fail with ENOSYS; other modes pass.
    auto mode_rule = [](const char* name, int index) {
        return json{{"names", {name}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 38},
                    {"args", {{{"index", index}, {"value", 0700}, {"op", "SCMP_CMP_EQ"}}}}};
    };
    spec["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                {"architectures", {"SCMP_ARCH_X86_64"}},
                                {"syscalls", {mode_rule("chmod", 1), mode_rule("fchmodat", 2), mode_rule("fchmodat2", 2)}}};
    CommandResult r = RunSpec(spec);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find("Function not implemented"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("755-set"), std::string::npos) << r.out;
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, ResourcesReachTheCgroupFiles) {
    const std::string id = UniqueName("res");
    json spec = MinimalSpec({"sleep", "600"});
    spec["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}, {"pids", {{"limit", 42}}}};
    std::string bundle = WriteBundle(spec);
    CommandResult created = Runtime({"create", "--bundle", bundle, id});
    ASSERT_EQ(created.exit_code, 0) << Describe(created);
    int pid = State(id)["pid"].get<int>();
    std::string memory_dir, pids_dir;
    std::istringstream cgroups(ReadText("/proc/" + std::to_string(pid) + "/cgroup"));
    for (std::string line; std::getline(cgroups, line);) {
        std::string controllers = line.substr(line.find(':') + 1);
        std::string path = controllers.substr(controllers.find(':') + 1);
        controllers = controllers.substr(0, controllers.find(':'));
        if (controllers == "memory")
            memory_dir = "/sys/fs/cgroup/memory" + path;
        if (controllers == "pids")
            pids_dir = "/sys/fs/cgroup/pids" + path;
    }
    if (memory_dir.empty() || pids_dir.empty()) {
        Runtime({"delete", "--force", id});
        GTEST_SKIP() << "no cgroup v1 memory and pids hierarchies here";
    }
    EXPECT_EQ(ReadText(memory_dir + "/memory.limit_in_bytes"), std::to_string(64 << 20) + "\n");
    EXPECT_EQ(ReadText(pids_dir + "/pids.max"), "42\n");
    ASSERT_EQ(Runtime({"delete", "--force", id}).exit_code, 0);
    ExpectNothingLeftBehind();
}

// runc's /sys/fs/cgroup (podman's and `spec`'s bundles carry it): the container's own cgroups,
// read-only, bound from the host without a cgroup namespace and mounted afresh in one.
TEST_F(OciRuntimeTest, CgroupMountShowsTheContainersOwnCgroupsReadOnly) {
    if (::access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) != 0)
        GTEST_SKIP() << "no cgroup v1 memory hierarchy at /sys/fs/cgroup/memory here";
    for (bool cgroupns : {false, true}) {
        SCOPED_TRACE(cgroupns ? "in a cgroup namespace" : "without a cgroup namespace");
        json spec = MinimalSpec({"sh", "-c",
                                 "cat /sys/fs/cgroup/memory/memory.limit_in_bytes; "
                                 "echo 1 2>/dev/null > /sys/fs/cgroup/memory/memory.limit_in_bytes || echo ro; "
                                 "mkdir /sys/fs/cgroup/new 2>/dev/null || echo ro"});
        spec["mounts"].push_back({{"destination", "/sys/fs/cgroup"}, {"type", "cgroup"}, {"source", "cgroup"},
                                  {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}});
        spec["linux"]["resources"] = {{"memory", {{"limit", 48 << 20}}}};
        if (cgroupns)
            spec["linux"]["namespaces"].push_back({{"type", "cgroup"}});
        CommandResult r = RunSpec(spec);
        EXPECT_EQ(r.exit_code, 0) << Describe(r);
        EXPECT_EQ(r.out, std::to_string(48 << 20) + "\nro\nro\n") << Describe(r);
    }
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, HooksRunInTheSpecsOrderWithTheStateOnStdin) {
    const std::string id = UniqueName("hooks");
    const std::string log = TempDir() + "/hooks.log";
    json spec = MinimalSpec({"sleep", "600"});
    for (const char* kind : {"prestart", "createRuntime", "poststart", "poststop"})
        spec["hooks"][kind] = {{{"path", "/bin/sh"},
                                {"args", {"sh", "-c", std::string("read -r s; echo \"") + kind + " $s\" >> " + log}}}};
    std::string bundle = WriteBundle(spec);
    ASSERT_EQ(Runtime({"create", "--bundle", bundle, id}).exit_code, 0);
    ASSERT_EQ(Runtime({"start", id}).exit_code, 0);
    ASSERT_EQ(Runtime({"kill", id, "9"}).exit_code, 0);
    ASSERT_TRUE(WaitStopped(id));
    ASSERT_EQ(Runtime({"delete", id}).exit_code, 0);
    std::vector<std::string> lines = SplitLines(ReadText(log));
    ASSERT_EQ(lines.size(), 4u) << ReadText(log);
    const char* order[] = {"prestart", "createRuntime", "poststart", "poststop"};
    const char* status[] = {"created", "created", "running", "stopped"};
    for (size_t i = 0; i < 4; ++i) {
        std::string kind = lines[i].substr(0, lines[i].find(' '));
        EXPECT_EQ(kind, order[i]);
        json state = json::parse(lines[i].substr(lines[i].find(' ') + 1));
        EXPECT_EQ(state["id"], id);
        EXPECT_EQ(state["status"], status[i]) << order[i];
        EXPECT_EQ(state["bundle"], bundle);
    }
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, AFailingCreateRuntimeHookFailsCreateAndLeavesNothing) {
    const std::string id = UniqueName("badhook");
    json spec = MinimalSpec({"sleep", "600"});
    spec["hooks"]["createRuntime"] = {{{"path", "/bin/false"}}};
    CommandResult r = Runtime({"create", "--bundle", WriteBundle(spec), id});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("createRuntime hooks: hook /bin/false exited with status 1"), std::string::npos) << r.err;
    EXPECT_NE(Runtime({"state", id}).exit_code, 0);
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, ErrorsNameTheJsonPathAndGoToTheJsonLog) {
    json spec = MinimalSpec({"sh"});
    spec["process"]["args"] = json::array({"sh", 7});
    const std::string log = TempDir() + "/runtime.log";
    std::string bundle = WriteBundle(spec);
    std::vector<std::string> argv = {"--log", log, "--log-format", "json", "create", "--bundle", bundle, UniqueName("bad")};
    CommandResult r = Runtime(argv);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("config.json: process.args[1]: expected a string"), std::string::npos) << r.err;
    std::vector<std::string> lines = SplitLines(ReadText(log));
    ASSERT_EQ(lines.size(), 1u);
    json line = json::parse(lines[0]);
    EXPECT_EQ(line["level"], "error");
    EXPECT_NE(line["msg"].get<std::string>().find("process.args[1]"), std::string::npos);
    EXPECT_TRUE(line.contains("time"));

    spec = MinimalSpec({"sh"});
    spec["linux"]["sysctl"] = {{"kernel.shmmax", "1"}};
    r = Runtime({"create", "--bundle", WriteBundle(spec), UniqueName("bad")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("config.json: linux.sysctl: not supported by Berth"), std::string::npos) << r.err;
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, MissingProgramFailsCreate) {
    const std::string id = UniqueName("noprog");
    CommandResult r = Runtime({"create", "--bundle", WriteBundle(MinimalSpec({"no-such-program"})), id});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no-such-program"), std::string::npos) << r.err;
    EXPECT_NE(Runtime({"state", id}).exit_code, 0);
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, ContainersAreBerthContainers) {
    const std::string id = UniqueName("list");
    ASSERT_EQ(Runtime({"create", "--bundle", WriteBundle(MinimalSpec({"sleep", "600"})), id}).exit_code, 0);
    CommandResult listed = Berthctl({"list"});
    EXPECT_NE(listed.out.find(id), std::string::npos) << Describe(listed);
    ASSERT_EQ(Runtime({"delete", "--force", id}).exit_code, 0);
    ExpectNothingLeftBehind();
}

}  // namespace
}  // namespace berth::testing
