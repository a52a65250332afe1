// berth-runtime (issue 13) driven as conmon and containerd's shim drive runc: OCI bundles with a
// busybox rootfs, the create/start/state/kill/delete lifecycle, config.json fields observed from
// inside the container and from its cgroup, hooks, and the errors naming JSON paths.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "fixture.hpp"
#include "read_text.hpp"

namespace berth::testing {
namespace {

using nlohmann::json;

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

// linux.sysctl in the container's ipc and network namespaces (the host's values stay), domainname,
// linux.personality and process.user.umask.
TEST_F(OciRuntimeTest, SysctlDomainnamePersonalityAndUmaskHaveTheirEffectInside) {
    const std::string host_shmmax = ReadText("/proc/sys/kernel/shmmax");
    json spec = MinimalSpec({"sh", "-c", "cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward "
                                         "/proc/sys/kernel/domainname; uname -m; umask; touch /tmp/f; stat -c %a /tmp/f"});
    spec["linux"]["sysctl"] = {{"kernel.shmmax", "4096"}, {"net.ipv4.ip_forward", "1"}};
    spec["domainname"] = "oci.example";
    spec["linux"]["personality"] = {{"domain", "LINUX32"}};
    spec["process"]["user"]["umask"] = 027;
    CommandResult r = RunSpec(spec);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "4096\n1\noci.example\ni686\n0027\n640\n");
    EXPECT_EQ(ReadText("/proc/sys/kernel/shmmax"), host_shmmax);
    ExpectNothingLeftBehind();
}

// exec --process FILE (what conmon and the shim pass) honours its user.umask too.
TEST_F(OciRuntimeTest, ExecProcessFileSetsTheUmask) {
    const std::string id = UniqueName("umask");
    ASSERT_EQ(Runtime({"run", "--detach", "--bundle", WriteBundle(MinimalSpec({"sleep", "600"})), id}).exit_code, 0);
    const std::string process = TempDir() + "/process.json";
    std::ofstream(process) << json{{"args", {"sh", "-c", "umask"}}, {"cwd", "/"}, {"env", {"PATH=/bin"}},
                                   {"user", {{"uid", 0}, {"gid", 0}, {"umask", 077}}}}
                                  .dump();
    CommandResult r = Runtime({"exec", "--process", process, id});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "0077\n");
    EXPECT_EQ(Runtime({"delete", "--force", id}).exit_code, 0);
    ExpectNothingLeftBehind();
}

// --preserve-fds N: the caller's fds 3..3+N-1 reach the container's process (run and exec), no others.
TEST_F(OciRuntimeTest, PreserveFdsPassesTheCallersFdsThrough) {
    const std::string three = TempDir() + "/three", four = TempDir() + "/four";
    std::ofstream(three) << "fd three\n";
    std::ofstream(four) << "fd four\n";
    // A shell opens 3 and 4 for the runtime it then becomes.
    auto with_fds = [&](const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"/bin/sh", "-c", "exec 3<\"$1\" 4<\"$2\"; shift 2; exec \"$@\"", "sh",
                                         three, four, BERTH_TEST_RUNTIME, "--root", StateDir()};
        argv.insert(argv.end(), args.begin(), args.end());
        return RunningCommand(argv, "").Wait(60s);
    };
    std::string bundle = WriteBundle(MinimalSpec({"sh", "-c", "cat <&3; cat <&4; test -e /proc/self/fd/5 || echo no-5"}));
    CommandResult r = with_fds({"run", "--preserve-fds", "2", "--bundle", bundle, UniqueName("fds")});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "fd three\nfd four\nno-5\n");

    const std::string id = UniqueName("fdexec");
    ASSERT_EQ(Runtime({"run", "--detach", "--bundle", WriteBundle(MinimalSpec({"sleep", "600"})), id}).exit_code, 0);
    r = with_fds({"exec", "--preserve-fds", "1", id, "sh", "-c", "cat <&3; test -e /proc/self/fd/4 || echo no-4"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "fd three\nno-4\n");
    EXPECT_EQ(Runtime({"delete", "--force", id}).exit_code, 0);
    ExpectNothingLeftBehind();
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

// Without noNewPrivileges the filter is loaded while the init still has its capabilities, before
// it waits at create's gate: a profile that refuses close_range must not stop the init (the fds
// it must not keep are closed before the filter), and the process runs at start.
TEST_F(OciRuntimeTest, AnEarlySeccompFilterThatRefusesCloseRangeStillStarts) {
    const std::string id = UniqueName("early");
    const std::string dir = TempDir() + "/early";
    ::mkdir(dir.c_str(), 0755);
    json spec = MinimalSpec({"sh", "-c", "echo started > /out/marker"});
    spec["process"]["noNewPrivileges"] = false;
    spec["mounts"].push_back({{"destination", "/out"}, {"type", "bind"}, {"source", dir}, {"options", {"rbind"}}});
    spec["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                {"syscalls", {{{"names", {"close_range"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
    CommandResult created = Runtime({"create", "--bundle", WriteBundle(spec), id});
    ASSERT_EQ(created.exit_code, 0) << Describe(created);
    std::this_thread::sleep_for(200ms);  // an init that died at the gate would show as stopped now
    EXPECT_EQ(State(id)["status"], "created");
    CommandResult started = Runtime({"start", id});
    EXPECT_EQ(started.exit_code, 0) << Describe(started);
    EXPECT_TRUE(WaitStopped(id));
    EXPECT_EQ(ReadText(dir + "/marker"), "started\n");
    EXPECT_EQ(Runtime({"delete", id}).exit_code, 0);
    ExpectNothingLeftBehind();
}

// linux.rootfsPropagation: "/" after pivot_root. Shared: a mount made below "/" shows in a
// recursive bind of "/"; slave and private: it does not; unbindable: "/" cannot be bound at all.
TEST_F(OciRuntimeTest, RootfsPropagationIsTheRootsAfterPivot) {
    const std::string probe =
        "mkdir -p /t /m /src && touch /src/f && mount -o rbind / /t 2>/dev/null || { echo bind-refused; exit 0; }; "
        "mount -o bind /src /m && if [ -e /t/m/f ]; then echo propagated; else echo kept; fi";
    const std::map<std::string, std::string> expected = {
        {"shared", "propagated\n"}, {"slave", "kept\n"}, {"private", "kept\n"}, {"unbindable", "bind-refused\n"}};
    MakePrivateRootfs();  // the probe writes into it
    for (const auto& [propagation, output] : expected) {
        SCOPED_TRACE(propagation);
        json spec = MinimalSpec({"sh", "-c", probe});
        spec["process"]["capabilities"]["bounding"].push_back("CAP_SYS_ADMIN");
        spec["process"]["capabilities"]["effective"].push_back("CAP_SYS_ADMIN");
        spec["process"]["capabilities"]["permitted"].push_back("CAP_SYS_ADMIN");
        spec["linux"]["rootfsPropagation"] = propagation;
        CommandResult r = RunSpec(spec);
        EXPECT_EQ(r.exit_code, 0) << Describe(r);
        EXPECT_EQ(r.out, output) << Describe(r);
    }
    json bad = MinimalSpec({"true"});
    bad["linux"]["rootfsPropagation"] = "sideways";
    CommandResult r = RunSpec(bad);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("linux.rootfsPropagation"), std::string::npos) << r.err;
    ExpectNothingLeftBehind();
}

// linux.devices of type p: a FIFO at the path, with its mode and owner, and no device number.
TEST_F(OciRuntimeTest, FifoDevicesAreMadeWithTheirModeAndOwner) {
    json spec = MinimalSpec({"sh", "-c", "stat -c '%F %a %u:%g' /dev/myfifo /dev/sub/fifo2"});
    spec["linux"]["devices"] = {{{"path", "/dev/myfifo"}, {"type", "p"}, {"fileMode", 0620}, {"uid", 7}, {"gid", 8}},
                                {{"path", "/dev/sub/fifo2"}, {"type", "p"}}};
    spec["linux"]["resources"] = {{"devices", {{{"allow", false}, {"access", "rwm"}}}}};
    CommandResult r = RunSpec(spec);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "fifo 620 7:8\nfifo 666 0:0\n") << Describe(r);
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, ResourcesReachTheCgroupFiles) {
    const std::string id = UniqueName("res");
    json spec = MinimalSpec({"sleep", "600"});
    // cpu.shares, quota and period as given (the runtime-tools validation reads them back exactly).
    spec["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}, {"pids", {{"limit", 42}}},
                                  {"cpu", {{"shares", 512}, {"quota", 50000}, {"period", 500000}}}};
    std::string bundle = WriteBundle(spec);
    CommandResult created = Runtime({"create", "--bundle", bundle, id});
    ASSERT_EQ(created.exit_code, 0) << Describe(created);
    int pid = State(id)["pid"].get<int>();
    std::string memory_dir, pids_dir, cpu_dir;
    std::istringstream cgroups(ReadText("/proc/" + std::to_string(pid) + "/cgroup"));
    for (std::string line; std::getline(cgroups, line);) {
        std::string controllers = line.substr(line.find(':') + 1);
        std::string path = controllers.substr(controllers.find(':') + 1);
        controllers = controllers.substr(0, controllers.find(':'));
        if (controllers == "memory")
            memory_dir = "/sys/fs/cgroup/memory" + path;
        if (controllers == "pids")
            pids_dir = "/sys/fs/cgroup/pids" + path;
        if (controllers == "cpu" || controllers == "cpu,cpuacct")
            cpu_dir = "/sys/fs/cgroup/" + controllers + path;
    }
    if (memory_dir.empty() || pids_dir.empty() || cpu_dir.empty()) {
        Runtime({"delete", "--force", id});
        GTEST_SKIP() << "no cgroup v1 memory, pids and cpu hierarchies here";
    }
    EXPECT_EQ(ReadText(memory_dir + "/memory.limit_in_bytes"), std::to_string(64 << 20) + "\n");
    EXPECT_EQ(ReadText(pids_dir + "/pids.max"), "42\n");
    EXPECT_EQ(ReadText(cpu_dir + "/cpu.shares"), "512\n");
    EXPECT_EQ(ReadText(cpu_dir + "/cpu.cfs_period_us"), "500000\n");
    EXPECT_EQ(ReadText(cpu_dir + "/cpu.cfs_quota_us"), "50000\n");
    ASSERT_EQ(Runtime({"delete", "--force", id}).exit_code, 0);
    ExpectNothingLeftBehind();
}

// The container's cgroup directory per hierarchy, from /proc/PID/cgroup: "memory", "cpuset", ...,
// and "unified" for the cgroup2 line.
std::map<std::string, std::string> CgroupDirs(int pid) {
    std::map<std::string, std::string> dirs;
    std::istringstream cgroups(ReadText("/proc/" + std::to_string(pid) + "/cgroup"));
    for (std::string line; std::getline(cgroups, line);) {
        std::string rest = line.substr(line.find(':') + 1);
        std::string controllers = rest.substr(0, rest.find(':'));
        std::string path = rest.substr(rest.find(':') + 1);
        if (controllers.empty())
            dirs["unified"] = "/sys/fs/cgroup/unified" + path;
        else if (controllers.find(',') == std::string::npos && controllers.find('=') == std::string::npos)
            dirs[controllers] = "/sys/fs/cgroup/" + controllers + path;
    }
    return dirs;
}

// memory.reservation, swappiness, cpu.mems, hugepageLimits and `unified` on this machine's hybrid
// layout (memory, cpuset and hugetlb where mounted on v1; the cgroup.* core files on cgroup2, whose
// root's controllers are the host's: a controller found only there is refused, never enabled).
TEST_F(OciRuntimeTest, ReservationSwappinessMemsHugepagesAndUnifiedReachTheCgroupFiles) {
    if (::access("/sys/fs/cgroup/memory/cgroup.procs", F_OK) != 0 ||
        ::access("/sys/fs/cgroup/cpuset/cgroup.procs", F_OK) != 0 ||
        ::access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) != 0)
        GTEST_SKIP() << "needs the hybrid layout: v1 memory and cpuset, cgroup2 at /sys/fs/cgroup/unified";
    const bool hugetlb_v1 = ::access("/sys/fs/cgroup/hugetlb/cgroup.procs", F_OK) == 0;
    const std::string id = UniqueName("ocires");
    json spec = MinimalSpec({"sleep", "600"});
    spec["linux"]["resources"] = {{"memory", {{"reservation", 32 << 20}, {"swappiness", 7}, {"disableOOMKiller", true}}},
                                  {"cpu", {{"mems", "0"}}},
                                  {"unified", {{"cgroup.max.descendants", "5"}, {"cgroup.max.depth", "2"}}}};
    if (hugetlb_v1)
        spec["linux"]["resources"]["hugepageLimits"] = {{{"pageSize", "2MB"}, {"limit", 4 << 20}}};
    CommandResult created = Runtime({"create", "--bundle", WriteBundle(spec), id});
    ASSERT_EQ(created.exit_code, 0) << Describe(created);
    std::map<std::string, std::string> dirs = CgroupDirs(State(id)["pid"].get<int>());
    EXPECT_EQ(ReadText(dirs["memory"] + "/memory.soft_limit_in_bytes"), std::to_string(32 << 20) + "\n");
    EXPECT_EQ(ReadText(dirs["memory"] + "/memory.swappiness"), "7\n");
    EXPECT_NE(ReadText(dirs["memory"] + "/memory.oom_control").find("oom_kill_disable 1\n"), std::string::npos);
    EXPECT_EQ(ReadText(dirs["cpuset"] + "/cpuset.mems"), "0\n");
    EXPECT_EQ(ReadText(dirs["unified"] + "/cgroup.max.descendants"), "5\n");
    EXPECT_EQ(ReadText(dirs["unified"] + "/cgroup.max.depth"), "2\n");
    if (hugetlb_v1) {
        EXPECT_EQ(ReadText(dirs["hugetlb"] + "/hugetlb.2MB.limit_in_bytes"), std::to_string(4 << 20) + "\n");
    }
    // update changes them in place (in a running container).
    ASSERT_EQ(Runtime({"start", id}).exit_code, 0);
    const std::string resources = TempDir() + "/update.json";
    std::ofstream(resources) << R"({"memory": {"reservation": 16777216}, "unified": {"cgroup.max.descendants": "9"}})";
    CommandResult updated = Runtime({"update", "--resources", resources, id});
    EXPECT_EQ(updated.exit_code, 0) << Describe(updated);
    EXPECT_EQ(ReadText(dirs["memory"] + "/memory.soft_limit_in_bytes"), std::to_string(16 << 20) + "\n");
    EXPECT_EQ(ReadText(dirs["unified"] + "/cgroup.max.descendants"), "9\n");
    ASSERT_EQ(Runtime({"delete", "--force", id}).exit_code, 0);

    // A unified key for a controller that is not on cgroup2 here fails create, naming the key.
    spec["linux"]["resources"] = {{"unified", {{"memory.high", "max"}}}};
    const std::string refused = UniqueName("ocires");
    CommandResult r = Runtime({"create", "--bundle", WriteBundle(spec), refused});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("unified key memory.high: the memory controller is on cgroup v1 here"), std::string::npos)
        << r.err;
    EXPECT_NE(Runtime({"state", refused}).exit_code, 0);
    if (!hugetlb_v1) {
        // hugetlb is on cgroup2 only, bound to a v1 hierarchy mounted elsewhere (a booted systemd
        // mounts one), or off: refused, naming the file.
        std::cout << "no hugetlb hierarchy at /sys/fs/cgroup/hugetlb: hugepageLimits must fail, naming it\n";
        spec["linux"]["resources"] = {{"hugepageLimits", {{{"pageSize", "2MB"}, {"limit", 4 << 20}}}}};
        r = Runtime({"create", "--bundle", WriteBundle(spec), refused});
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_NE(r.err.find("Failed to set hugetlb.2MB."), std::string::npos) << r.err;
        EXPECT_NE(Runtime({"state", refused}).exit_code, 0);
    }
    ExpectNothingLeftBehind();
}

// linux.cgroupsPath without --systemd-cgroup: the cgroup at that path in every hierarchy (an
// absolute one below the hierarchy's root, a relative one below Berth's /berth), limits in it.
TEST_F(OciRuntimeTest, CgroupsPathPlacesTheCgroupInEachHierarchy) {
    if (::access("/sys/fs/cgroup/pids/cgroup.procs", F_OK) != 0)
        GTEST_SKIP() << "no cgroup v1 pids hierarchy at /sys/fs/cgroup/pids here";
    for (bool absolute : {true, false}) {
        SCOPED_TRACE(absolute ? "absolute" : "relative");
        const std::string id = UniqueName("cgpath");
        const std::string parent = std::string(absolute ? "" : "/berth") + "/" + id + "-parent";
        json spec = MinimalSpec({"sleep", "600"});
        spec["linux"]["cgroupsPath"] = (absolute ? "/" : "") + id + "-parent/" + id;
        spec["linux"]["resources"] = {{"pids", {{"limit", 37}}}};
        CommandResult created = Runtime({"create", "--bundle", WriteBundle(spec), id});
        ASSERT_EQ(created.exit_code, 0) << Describe(created);
        const std::string dir = "/sys/fs/cgroup/pids" + parent + "/" + id;
        EXPECT_EQ(ReadText(dir + "/pids.max"), "37\n");
        const int pid = State(id)["pid"].get<int>();
        EXPECT_NE(ReadText("/proc/" + std::to_string(pid) + "/cgroup").find(":pids:" + parent + "/" + id + "\n"),
                  std::string::npos);
        ASSERT_EQ(Runtime({"delete", "--force", id}).exit_code, 0);
        EXPECT_NE(::access(dir.c_str(), F_OK), 0) << dir << " is left";
        // The parent stays, as with runc: the test made it, the test removes it.
        for (const auto& hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup"))
            ::rmdir((hierarchy.path().string() + parent).c_str());
    }
    json spec = MinimalSpec({"true"});
    spec["linux"]["cgroupsPath"] = "../escape";
    CommandResult r = Runtime({"create", "--bundle", WriteBundle(spec), UniqueName("bad")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("config.json: linux.cgroupsPath: '../escape' climbs with '..'"), std::string::npos) << r.err;
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
    // startContainer runs inside the container: it reaches the log through a bind mount at /root.
    const std::string dir = TempDir() + "/hooklog";
    ::mkdir(dir.c_str(), 0755);
    json spec = MinimalSpec({"sleep", "600"});
    spec["mounts"].push_back({{"destination", "/root"}, {"type", "bind"}, {"source", dir}, {"options", {"rbind"}}});
    for (const char* kind : {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}) {
        const std::string log = std::string(kind) == "startContainer" ? "/root/hooks.log" : dir + "/hooks.log";
        spec["hooks"][kind] = {{{"path", "/bin/sh"},
                                {"args", {"sh", "-c", std::string("read -r s; echo \"") + kind + " $s\" >> " + log}}}};
    }
    std::string bundle = WriteBundle(spec);
    ASSERT_EQ(Runtime({"create", "--bundle", bundle, id}).exit_code, 0);
    const int pid = State(id)["pid"].get<int>();
    ASSERT_EQ(Runtime({"start", id}).exit_code, 0);
    ASSERT_EQ(Runtime({"kill", id, "9"}).exit_code, 0);
    ASSERT_TRUE(WaitStopped(id));
    ASSERT_EQ(Runtime({"delete", id}).exit_code, 0);
    std::vector<std::string> lines = SplitLines(ReadText(dir + "/hooks.log"));
    ASSERT_EQ(lines.size(), 6u) << ReadText(dir + "/hooks.log");
    const char* order[] = {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
    // prestart "created" and poststart "running" (even for a process already gone), as the
    // runtime-tools validation (hooks_stdin) and crun have them; createRuntime runc's "creating".
    const char* status[] = {"created", "creating", "creating", "created", "running", "stopped"};
    for (size_t i = 0; i < 6; ++i) {
        std::string kind = lines[i].substr(0, lines[i].find(' '));
        EXPECT_EQ(kind, order[i]);
        json state = json::parse(lines[i].substr(lines[i].find(' ') + 1));
        EXPECT_EQ(state["id"], id);
        EXPECT_EQ(state["status"], status[i]) << order[i];
        EXPECT_EQ(state["bundle"], bundle);
        if (i < 5) {
            EXPECT_EQ(state["pid"], pid) << order[i];
        }
    }
    ExpectNothingLeftBehind();
}

// What a hook saw, one `key value` a line (written by the hook's shell script).
std::map<std::string, std::string> ReadMarker(const std::string& path) {
    std::map<std::string, std::string> values;
    for (const std::string& line : SplitLines(ReadText(path))) {
        size_t space = line.find(' ');
        values[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
    }
    return values;
}

std::string NamespaceLink(const std::string& pid, const char* kind) {
    return std::filesystem::read_symlink("/proc/" + pid + "/ns/" + kind).string();
}

TEST_F(OciRuntimeTest, CreateContainerHooksRunInTheContainersMountNamespaceBeforePivotRoot) {
    const std::string id = UniqueName("cchook");
    const std::string data = TempDir() + "/cc-data";
    ::mkdir(data.c_str(), 0755);
    std::ofstream(data + "/seen") << "x";
    const std::string marker = TempDir() + "/cc-marker";
    json spec = MinimalSpec({"sleep", "600"});
    spec["mounts"].push_back({{"destination", "/root"}, {"type", "bind"}, {"source", data}, {"options", {"rbind", "ro"}}});
    std::string bundle = WriteBundle(spec);
    // The hook's program lives in the bundle, outside the rootfs: its path resolves in the runtime's
    // namespace. It reports its mount and pid namespaces, its cwd, whether the configured bind mount is
    // in place under the rootfs and whether the host's root is still reachable (no pivot_root yet).
    const std::string hook = bundle + "/hook.sh";
    std::ofstream(hook) << "#!/bin/sh\nread -r s\n{\n"
                           "echo mnt $(readlink /proc/self/ns/mnt)\n"
                           "echo cwd $(pwd)\n"
                           "test -e root/seen && echo mounted yes\n"
                           "test -e " << bundle << "/config.json && echo hostroot yes\n"
                           "echo state $s\n} > " << marker << "\n";
    ::chmod(hook.c_str(), 0755);
    spec["hooks"]["createContainer"] = {{{"path", hook}}};
    std::ofstream(bundle + "/config.json") << spec.dump(2);

    ASSERT_EQ(Runtime({"create", "--bundle", bundle, id}).exit_code, 0);
    const std::string pid = std::to_string(State(id)["pid"].get<int>());
    std::map<std::string, std::string> seen = ReadMarker(marker);
    EXPECT_EQ(seen["mnt"], NamespaceLink(pid, "mnt"));
    EXPECT_NE(seen["mnt"], NamespaceLink("self", "mnt"));
    EXPECT_EQ(seen["cwd"], std::filesystem::canonical(Rootfs()).string());
    EXPECT_EQ(seen["mounted"], "yes");
    EXPECT_EQ(seen["hostroot"], "yes");
    json state = json::parse(seen["state"]);
    EXPECT_EQ(state["status"], "creating");
    EXPECT_EQ(std::to_string(state["pid"].get<int>()), pid);
    EXPECT_EQ(state["id"], id);
    ASSERT_EQ(Runtime({"delete", "--force", id}).exit_code, 0);
    ExpectNothingLeftBehind();
}

// Mount and uts namespaces joined by path (as the runtime-tools validation makes them, with
// unshare): the rootfs is built and the hostname set in them, as runc does.
TEST_F(OciRuntimeTest, JoinedMountAndUtsNamespacesGetTheRootfsAndHostname) {
    const std::string rootfs = MakePrivateRootfs();
    std::ofstream(rootfs + "/only-in-the-rootfs") << "x";
    // The holder shares the namespace, so the container's pivot_root moves its root too: it is
    // gone before the check that no process is left in the rootfs.
    auto holder = std::make_unique<RunningCommand>(
        std::vector<std::string>{"unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c",
                                 "echo ready; exec sleep 600"},
        "");
    ASSERT_TRUE(holder->WaitForOutput("ready")) << holder->OutSoFar();
    const std::string pid = std::to_string(holder->Pid());
    json spec = MinimalSpec({"sh", "-c", "test -e /only-in-the-rootfs && echo rootfs; hostname; readlink /proc/self/ns/mnt; "
                                         "readlink /proc/self/ns/uts"});
    spec["hostname"] = "joined";
    for (json& ns : spec["linux"]["namespaces"])
        if (ns["type"] == "mount" || ns["type"] == "uts")
            ns["path"] = "/proc/" + pid + "/ns/" + (ns["type"] == "mount" ? "mnt" : "uts");
    CommandResult r = RunSpec(spec);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "rootfs\njoined\n" + NamespaceLink(pid, "mnt") + "\n" + NamespaceLink(pid, "uts") + "\n")
        << Describe(r);
    holder.reset();  // killed and reaped
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, StartContainerHooksRunInTheContainerAtStartBeforeItsProcess) {
    const std::string id = UniqueName("schook");
    const std::string out = TempDir() + "/sc-out";
    ::mkdir(out.c_str(), 0755);
    // The process copies what the hook wrote: it exists before the process runs.
    json spec = MinimalSpec({"sh", "-c", "cp /root/hook /root/seen-by-process; exec sleep 600"});
    spec["mounts"].push_back({{"destination", "/root"}, {"type", "bind"}, {"source", out}, {"options", {"rbind"}}});
    std::string bundle = WriteBundle(spec);
    // /bin/sh of the container's rootfs: after pivot_root, the bundle is out of sight.
    spec["hooks"]["startContainer"] = {
        {{"path", "/bin/sh"},
         {"args", {"sh", "-c",
                   "read -r s; { echo mnt $(readlink /proc/self/ns/mnt); echo pidns $(readlink /proc/self/ns/pid); "
                   "test -e " + bundle + "/config.json || echo hostroot gone; echo state $s; } > /root/hook"}}}};
    std::ofstream(bundle + "/config.json") << spec.dump(2);

    ASSERT_EQ(Runtime({"create", "--bundle", bundle, id}).exit_code, 0);
    const std::string pid = std::to_string(State(id)["pid"].get<int>());
    EXPECT_FALSE(std::filesystem::exists(out + "/hook")) << "startContainer ran at create";
    CommandResult started = Runtime({"start", id});
    ASSERT_EQ(started.exit_code, 0) << Describe(started);
    for (int i = 0; i < 200 && !std::filesystem::exists(out + "/seen-by-process"); ++i)
        std::this_thread::sleep_for(20ms);
    std::map<std::string, std::string> seen = ReadMarker(out + "/seen-by-process");
    EXPECT_EQ(seen["mnt"], NamespaceLink(pid, "mnt"));
    EXPECT_EQ(seen["pidns"], NamespaceLink(pid, "pid"));
    EXPECT_NE(seen["pidns"], NamespaceLink("self", "pid"));
    EXPECT_EQ(seen["hostroot"], "gone");
    json state = json::parse(seen["state"]);
    EXPECT_EQ(state["status"], "created");
    EXPECT_EQ(std::to_string(state["pid"].get<int>()), pid);
    ASSERT_EQ(Runtime({"delete", "--force", id}).exit_code, 0);
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

TEST_F(OciRuntimeTest, AFailingCreateContainerHookFailsCreateAndLeavesNothing) {
    const std::string id = UniqueName("badcc");
    json spec = MinimalSpec({"sleep", "600"});
    spec["hooks"]["createContainer"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 3"}}}};
    CommandResult r = Runtime({"create", "--bundle", WriteBundle(spec), id});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("createContainer hooks: hook /bin/sh exited with status 3"), std::string::npos) << r.err;
    EXPECT_NE(Runtime({"state", id}).exit_code, 0);
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, HookTimeoutsKillTheHookAndFailTheVerb) {
    for (const char* kind : {"createRuntime", "createContainer"}) {
        const std::string id = UniqueName("slowhook");
        json spec = MinimalSpec({"sleep", "600"});
        spec["hooks"][kind] = {{{"path", "/bin/sleep"}, {"args", {"sleep", "600"}}, {"timeout", 1}}};
        CommandResult r = Runtime({"create", "--bundle", WriteBundle(spec), id});
        EXPECT_EQ(r.exit_code, 1) << kind;
        EXPECT_NE(r.err.find(std::string(kind) + " hooks: hook /bin/sleep timed out after 1 s"), std::string::npos)
            << r.err;
        EXPECT_NE(Runtime({"state", id}).exit_code, 0);
    }
    ExpectNothingLeftBehind();
}

TEST_F(OciRuntimeTest, AFailingStartContainerHookFailsStartAndTheProcessNeverRuns) {
    const std::string id = UniqueName("badsc");
    const std::string out = TempDir() + "/badsc-out";
    ::mkdir(out.c_str(), 0755);
    json spec = MinimalSpec({"sh", "-c", "echo ran > /root/ran; exec sleep 600"});
    spec["mounts"].push_back({{"destination", "/root"}, {"type", "bind"}, {"source", out}, {"options", {"rbind"}}});
    spec["hooks"]["startContainer"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 4"}}}};
    spec["hooks"]["poststart"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "echo > " + out + "/poststart"}}}};
    const std::string id_bundle = WriteBundle(spec);
    ASSERT_EQ(Runtime({"create", "--bundle", id_bundle, id}).exit_code, 0);
    CommandResult r = Runtime({"start", id});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("startContainer hooks: hook /bin/sh exited with status 4"), std::string::npos) << r.err;
    EXPECT_TRUE(WaitStopped(id));
    EXPECT_FALSE(std::filesystem::exists(out + "/ran"));
    EXPECT_FALSE(std::filesystem::exists(out + "/poststart"));
    ASSERT_EQ(Runtime({"delete", id}).exit_code, 0);
    // run (create + start) deletes what it created when start fails.
    const std::string run_id = UniqueName("badsc");
    r = Runtime({"run", "--bundle", id_bundle, run_id});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("startContainer hooks: hook /bin/sh exited with status 4"), std::string::npos) << r.err;
    EXPECT_NE(Runtime({"state", run_id}).exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(out + "/ran"));
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
    spec["linux"]["sysctl"] = {{"vm.swappiness", "1"}};  // the host's kernel, not a namespace's
    r = Runtime({"create", "--bundle", WriteBundle(spec), UniqueName("bad")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("config.json: linux.sysctl.vm.swappiness: not supported by Berth"), std::string::npos) << r.err;
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
