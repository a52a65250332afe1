// The launcher's behaviour with real containers (issue 3), driven in-process through
// berth::launch::Launch/Exec on a busybox rootfs built at test time.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/defaults.hpp"
#include "fixture.hpp"
#include "config/seccomp_profile.hpp"
#include "launch/launcher.hpp"
#include "launch_support.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::testing {
namespace {

std::string Hex16(uint64_t mask) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(mask));
    return buf;
}

std::string StatusField(const std::string& status, const std::string& key) {
    size_t pos = status.find("\n" + key + ":");
    if (pos == std::string::npos)
        return "";
    size_t start = status.find_first_not_of(" \t", pos + key.size() + 2);
    return status.substr(start, status.find('\n', start) - start);
}

std::string NsLink(const std::string& path) {
    std::error_code ec;
    return std::filesystem::read_symlink(path, ec).string();
}

class LaunchTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (::geteuid() != 0)
            return;
        char tmpl[] = "/tmp/berth-launch-XXXXXX";
        if (!::mkdtemp(tmpl))
            return;
        temp_ = new std::string(tmpl);
        ::chmod(tmpl, 0755);  // a user namespace's root must be able to reach the rootfs
        MakeQuickBusyboxRootfs(*temp_ + "/rootfs");
    }
    static void TearDownTestSuite() {
        if (temp_)
            std::filesystem::remove_all(*temp_);
        delete temp_;
        temp_ = nullptr;
    }

    void SetUp() override {
        if (::geteuid() != 0)
            GTEST_SKIP() << "the launcher's integration tests create namespaces and mounts: they need root";
        if (!temp_)
            GTEST_SKIP() << "could not make the test rootfs";
        if (!std::filesystem::is_directory(TestCgroupRoot()))
            GTEST_SKIP() << TestCgroupRoot() << " is not mounted";
        prefix_ = "berth-lt-" + std::to_string(::getpid()) + "-";
        initial_netns_ = NsLink("/proc/self/ns/net");
    }

    void TearDown() override {
        if (!temp_ || ::geteuid() != 0)
            return;
        EXPECT_EQ(CgroupDirsContaining(prefix_), std::vector<std::string>{});
        EXPECT_EQ(ProcessesRootedIn(Rootfs()), std::vector<pid_t>{});
        EXPECT_EQ(MountsUnder(*temp_), std::vector<std::string>{});
        siginfo_t info{};
        EXPECT_EQ(::waitid(P_ALL, 0, &info, WEXITED | WNOHANG), -1) << "a child was left unreaped";
    }

    static std::string Rootfs() { return *temp_ + "/rootfs"; }
    static std::string TempDir() { return *temp_; }
    std::string Id() { return prefix_ + std::to_string(++counter_); }

    config::ContainerConfig Config(const std::string& script) const {
        config::ContainerConfig c = config::DefaultContainerConfig();
        c.rootfs = Rootfs();
        c.process.args = {"/bin/sh", "-c", script};
        return c;
    }

    Outcome Run(const config::ContainerConfig& config, const std::string& stdin_data = "") {
        return RunToCompletion(config, driver_, Id(), stdin_data);
    }

    // The launch must fail with exactly `message`, create no cgroup and leave nothing.
    void ExpectLaunchError(const config::ContainerConfig& config, const std::string& message) {
        try {
            Run(config);
            ADD_FAILURE() << "launch succeeded, expected: " << message;
        } catch (const Error& e) {
            EXPECT_EQ(std::string(e.what()), message);
        }
    }

    static std::string* temp_;
    TestCgroupDriver driver_;
    std::string prefix_;
    std::string initial_netns_;
    int counter_ = 0;
};

std::string* LaunchTest::temp_ = nullptr;

TEST_F(LaunchTest, ProcessIsPidOneAndHostnameIsSet) {
    config::ContainerConfig c = Config("echo $$; hostname");
    c.hostname = "berth-box";
    Outcome r = Run(c);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "1\nberth-box\n");
}

TEST_F(LaunchTest, InitIsASessionLeader) {
    // CRIU needs the pid namespace's init to lead its own session (field 6 of stat: session id).
    Outcome r = Run(Config("cut -d' ' -f6 /proc/1/stat"));
    EXPECT_EQ(r.out, "1\n") << r.err;
}

TEST_F(LaunchTest, ExitCodeIsPropagated) {
    Outcome r = Run(Config("exit 7"));
    EXPECT_EQ(r.exit_code, 7);
}

TEST_F(LaunchTest, StdinIsPiped) {
    Outcome r = Run(Config("cat; echo end"), "hello\nworld\n");
    EXPECT_EQ(r.out, "hello\nworld\nend\n");
    EXPECT_EQ(r.exit_code, 0);
}

TEST_F(LaunchTest, EnvironmentAndCwdAreTheConfigured) {
    config::ContainerConfig c = Config("echo $GREETING; pwd");
    c.process.env = {"PATH=/bin", "GREETING=ahoy"};
    c.process.cwd = "/tmp";
    Outcome r = Run(c);
    EXPECT_EQ(r.out, "ahoy\n/tmp\n") << r.err;
}

TEST_F(LaunchTest, DefaultCapabilitySetsMatchTheConfiguration) {
    config::ContainerConfig c = Config("cat /proc/self/status");
    Outcome r = Run(c);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string expected = Hex16(c.capabilities.bounding.Mask());
    EXPECT_EQ(StatusField(r.out, "CapBnd"), expected);
    EXPECT_EQ(StatusField(r.out, "CapEff"), expected);
    EXPECT_EQ(StatusField(r.out, "CapPrm"), expected);
    EXPECT_EQ(StatusField(r.out, "CapAmb"),
              Hex16(c.capabilities.ambient.Mask()));
}

TEST_F(LaunchTest, NonRootUserGetsAmbientCapabilities) {
    config::ContainerConfig c = Config("id -u; id -g; id -G; cat /proc/self/status");
    c.process.uid = 1000;
    c.process.gid = 1000;
    c.process.additional_gids = {1001, 1002};
    uint64_t chown = uint64_t{1} << CAP_CHOWN, kill = uint64_t{1} << CAP_KILL,
             bind = uint64_t{1} << CAP_NET_BIND_SERVICE;
    using config::CapabilitySet;
    c.capabilities = {CapabilitySet::FromMask(chown | kill | bind), CapabilitySet::FromMask(kill | bind),
                      CapabilitySet::FromMask(kill | bind), CapabilitySet::FromMask(kill | bind),
                      CapabilitySet::FromMask(bind)};
    Outcome r = Run(c);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.substr(0, r.out.find("Name:")), "1000\n1000\n1000 1001 1002\n");
    EXPECT_EQ(StatusField(r.out, "CapBnd"), Hex16(chown | kill | bind));
    EXPECT_EQ(StatusField(r.out, "CapAmb"), Hex16(bind));
    EXPECT_EQ(StatusField(r.out, "CapEff"), Hex16(bind));  // after exec: only the ambient survive
}

TEST_F(LaunchTest, NoNewPrivsAndSeccompAreOn) {
    Outcome r = Run(Config("cat /proc/self/status"));
    EXPECT_EQ(StatusField(r.out, "NoNewPrivs"), "1");
    EXPECT_EQ(StatusField(r.out, "Seccomp"), "2");
}

TEST_F(LaunchTest, DefaultSeccompProfileDeniesUnshareEvenWithCapSysAdmin) {
    config::ContainerConfig c = Config("unshare -u true && echo allowed");
    for (auto* set : {&c.capabilities.bounding, &c.capabilities.effective, &c.capabilities.permitted})
        set->Add(CAP_SYS_ADMIN);
    Outcome denied = Run(c);
    EXPECT_NE(denied.exit_code, 0);
    EXPECT_NE(denied.err.find("Operation not permitted"), std::string::npos) << denied.err;
    c.seccomp.mode = config::SeccompMode::Unconfined;
    Outcome allowed = Run(c);
    EXPECT_EQ(allowed.out, "allowed\n") << allowed.err;
}

TEST_F(LaunchTest, SeccompProfileFileIsApplied) {
    std::string profile = TempDir() + "/profile.toml";
    WriteFileAtomic(profile, "default_action = \"allow\"\n[[syscalls]]\nnames = [\"mkdir\", \"mkdirat\"]\n"
                             "action = \"errno\"\nerrno = 13\n");
    config::ContainerConfig c = Config("mkdir /tmp/x; grep Seccomp: /proc/self/status");
    c.seccomp = config::LoadSeccompProfile(profile);
    Outcome r = Run(c);
    EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("Seccomp:\t2"), std::string::npos) << r.out;
}

TEST_F(LaunchTest, MaskedPathsAreEmptyAndReadonlyPathsRejectWrites) {
    // Masked files read as empty (/dev/null), masked directories are empty read-only tmpfs.
    ASSERT_TRUE(PathExists("/proc/keys") && PathExists("/proc/timer_list") && PathExists("/proc/acpi"));
    Outcome r = Run(Config(
        "wc -c < /proc/keys; wc -c < /proc/timer_list; ls -A /proc/acpi | wc -l; "
        "touch /proc/acpi/x 2>&1 | grep -c Read-only; "
        "echo x > /proc/sys/kernel/domainname 2>/dev/null && echo writable || echo rejected; "
        "grep -E ' /proc/(sys|keys|acpi) ' /proc/mounts | cut -d' ' -f2,4 | cut -d, -f1"));
    EXPECT_EQ(r.out, "0\n0\n0\n1\nrejected\n/proc/acpi ro\n/proc/keys rw\n/proc/sys ro\n") << r.err;
    EXPECT_NE(ReadFile("/proc/keys"), "");  // the host's is not masked
}

TEST_F(LaunchTest, DevHasExactlyTheDefaultNodes) {
    Outcome r = Run(Config("ls -A /dev | tr '\\n' ' '; echo; "
                           "for n in null zero full random urandom tty; do stat -c '%n %F %t:%T %a' /dev/$n; done; "
                           "readlink /dev/ptmx; readlink /dev/fd; readlink /dev/stdin; stat -c %a /dev/pts/ptmx"));
    EXPECT_EQ(r.out,
              "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero \n"
              "/dev/null character special file 1:3 666\n"
              "/dev/zero character special file 1:5 666\n"
              "/dev/full character special file 1:7 666\n"
              "/dev/random character special file 1:8 666\n"
              "/dev/urandom character special file 1:9 666\n"
              "/dev/tty character special file 5:0 666\n"
              "pts/ptmx\n/proc/self/fd\n/proc/self/fd/0\n666\n")
        << r.err;
}

TEST_F(LaunchTest, RlimitsAreApplied) {
    config::ContainerConfig c = Config("ulimit -n; ulimit -Hn; ulimit -Hc");
    c.rlimits = {{RLIMIT_NOFILE, 512, 768}, {RLIMIT_CORE, 0, 0}};
    Outcome r = Run(c);
    EXPECT_EQ(r.out, "512\n768\n0\n") << r.err;
}

TEST_F(LaunchTest, HardRlimitAboveTheHostsIsAClearError) {
    rlimit host;
    ::getrlimit(RLIMIT_NOFILE, &host);
    if (host.rlim_max == RLIM_INFINITY)
        GTEST_SKIP() << "the host's nofile hard limit is unlimited";
    config::ContainerConfig c = Config("true");
    rlim_t above = host.rlim_max + 1000;
    c.rlimits = {{RLIMIT_NOFILE, above, above}};
    try {
        Run(c);
        ADD_FAILURE() << "launch succeeded with nofile above the host's hard limit";
    } catch (const Error& e) {
        std::string what = e.what();
        // With CAP_SYS_RESOURCE the launch may legitimately succeed; this host has none (see brief).
        EXPECT_NE(what.find("rlimit nofile: hard limit " + std::to_string(above) + " is above this host's " +
                            std::to_string(host.rlim_max)),
                  std::string::npos)
            << what;
    }
}

TEST_F(LaunchTest, UserNamespaceMapsAreVisible) {
    config::ContainerConfig c = Config("cat /proc/self/uid_map /proc/self/gid_map; id -u; ls -A /dev | wc -w");
    c.namespaces.push_back({config::NamespaceKind::User, std::nullopt});
    c.uid_mappings = {{0, 100000, 65536}};
    c.gid_mappings = {{0, 100000, 65536}};
    Outcome r = Run(c);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out,
              "         0     100000      65536\n"
              "         0     100000      65536\n"
              "0\n14\n");
}

TEST_F(LaunchTest, NewNetworkNamespaceHasOnlyLoopbackUp) {
    Outcome r = Run(Config("ip -o link | wc -l; ip -o link show lo"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.substr(0, 2), "1\n");
    EXPECT_NE(r.out.find("lo: <LOOPBACK,UP,LOWER_UP>"), std::string::npos) << r.out;
}

class NetnsLaunchTest : public LaunchTest {
protected:
    void SetUp() override {
        LaunchTest::SetUp();
        if (IsSkipped())
            return;
        name_ = "berth-lt-" + std::to_string(::getpid());
        if (RunCommand({"/usr/sbin/ip", "netns", "add", name_}).exit_code != 0)
            GTEST_SKIP() << "ip netns add failed";
        added_ = true;
    }
    void TearDown() override {
        if (added_)
            RunCommand({"/usr/sbin/ip", "netns", "delete", name_});
        LaunchTest::TearDown();
    }
    std::string name_;
    bool added_ = false;
};

TEST_F(NetnsLaunchTest, JoiningANetnsByPathGivesTheSameInode) {
    std::string path = "/run/netns/" + name_;
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    config::ContainerConfig c = Config("readlink /proc/self/ns/net");
    for (config::NamespaceConfig& ns : c.namespaces)
        if (ns.kind == config::NamespaceKind::Net)
            ns.path = path;
    Outcome r = Run(c);
    EXPECT_EQ(r.out, "net:[" + std::to_string(st.st_ino) + "]\n") << r.err;
}

TEST_F(NetnsLaunchTest, JoinedNetnsWorksWithANewUserNamespace) {
    std::string path = "/run/netns/" + name_;
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    config::ContainerConfig c = Config("readlink /proc/self/ns/net; cat /proc/self/uid_map");
    for (config::NamespaceConfig& ns : c.namespaces)
        if (ns.kind == config::NamespaceKind::Net)
            ns.path = path;
    c.namespaces.push_back({config::NamespaceKind::User, std::nullopt});
    c.uid_mappings = {{0, 200000, 65536}};
    c.gid_mappings = {{0, 200000, 65536}};
    Outcome r = Run(c);
    EXPECT_EQ(r.out, "net:[" + std::to_string(st.st_ino) + "]\n         0     200000      65536\n") << r.err;
}

TEST_F(LaunchTest, SignalsReachTheInit) {
    RunningContainer container(Config("trap 'exit 3' TERM; echo ready; while true; do sleep 0.05; done"), driver_, Id());
    ASSERT_TRUE(container.WaitForOutput("ready"));
    ASSERT_EQ(::syscall(SYS_pidfd_send_signal, container.Get().pidfd.Get(), SIGTERM, nullptr, 0), 0);
    EXPECT_EQ(container.Wait(), 3);
}

TEST_F(LaunchTest, KilledInitReportsTheSignal) {
    RunningContainer container(Config("echo ready; sleep 100"), driver_, Id());
    ASSERT_TRUE(container.WaitForOutput("ready"));
    ASSERT_EQ(::syscall(SYS_pidfd_send_signal, container.Get().pidfd.Get(), SIGKILL, nullptr, 0), 0);
    EXPECT_EQ(container.Wait(), 128 + SIGKILL);
}

TEST_F(LaunchTest, ExecSeesTheInitsNamespacesCapsAndCgroup) {
    config::ContainerConfig c = Config("echo ready; sleep 100");
    c.process.cwd = "/tmp";
    RunningContainer container(c, driver_, Id());
    ASSERT_TRUE(container.WaitForOutput("ready"));
    pid_t init = container.Get().pid;

    auto [out_read, out_write] = MakeSocketPair(SOCK_STREAM);
    launch::ExecRequest request;
    request.args = {"/bin/sh", "-c",
                    "readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; readlink /proc/self/ns/net; "
                    "echo pid=$$; pwd; "
                    "grep -E '^(CapEff|Seccomp|NoNewPrivs):' /proc/self/status"};
    request.stdio = {0, out_write.Get(), out_write.Get()};
    launch::Executed executed = launch::Exec(c, init, container.Get().placement, driver_, request);
    std::string cgroup = ReadFile("/proc/" + std::to_string(executed.pid) + "/cgroup");
    out_write.Reset();
    std::string out = ReadAll(out_read.Get());
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PIDFD, static_cast<id_t>(executed.pidfd.Get()), &info, WEXITED), 0);
    EXPECT_EQ(info.si_status, 0);

    std::string proc = "/proc/" + std::to_string(init) + "/ns/";
    std::string expected = NsLink(proc + "pid") + "\n" + NsLink(proc + "mnt") + "\n" + NsLink(proc + "net") + "\n";
    EXPECT_EQ(out.substr(0, expected.size()), expected) << out;
    EXPECT_NE(out.find("pid=2\n") == std::string::npos && out.find("pid=3\n") == std::string::npos, true) << out;
    EXPECT_NE(out.find("\n/tmp\n"), std::string::npos) << out;
    std::string caps = Hex16(c.capabilities.effective.Mask());
    EXPECT_NE(out.find("CapEff:\t" + caps), std::string::npos) << out;
    EXPECT_NE(out.find("Seccomp:\t2"), std::string::npos) << out;
    EXPECT_NE(out.find("NoNewPrivs:\t1"), std::string::npos) << out;
    EXPECT_NE(cgroup.find(":pids:/" + container.Get().placement.paths.at("pids").substr(TestCgroupRoot().size() + 1)),
              std::string::npos)
        << cgroup;
}

TEST_F(LaunchTest, ExecIntoAUserNamespaceContainerWithATerminal) {
    config::ContainerConfig c = Config("echo ready; sleep 100");
    c.namespaces.push_back({config::NamespaceKind::User, std::nullopt});
    c.uid_mappings = {{0, 300000, 65536}};
    c.gid_mappings = {{0, 300000, 65536}};
    RunningContainer container(c, driver_, Id());
    ASSERT_TRUE(container.WaitForOutput("ready"));
    launch::ExecRequest request;
    request.args = {"/bin/sh", "-c", "tty; id -u; cat /proc/self/uid_map"};
    request.terminal = true;
    launch::Executed executed = launch::Exec(c, container.Get().pid, container.Get().placement, driver_, request);
    ASSERT_TRUE(executed.terminal_master.Valid());
    std::string out = ReadAll(executed.terminal_master.Get());
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PIDFD, static_cast<id_t>(executed.pidfd.Get()), &info, WEXITED), 0);
    EXPECT_EQ(info.si_status, 0);
    EXPECT_EQ(out, "/dev/pts/0\r\n0\r\n         0     300000      65536\r\n");
    EXPECT_EQ(NsLink("/proc/" + std::to_string(executed.pid) + "/ns/user"), "");  // reaped: gone
}

TEST_F(LaunchTest, JoiningAUserNamespaceByPathCreatesTheOthersInsideIt) {
    config::ContainerConfig first = Config("echo ready; sleep 100");
    first.namespaces.push_back({config::NamespaceKind::User, std::nullopt});
    first.uid_mappings = {{0, 400000, 65536}};
    first.gid_mappings = {{0, 400000, 65536}};
    RunningContainer owner(first, driver_, Id());
    ASSERT_TRUE(owner.WaitForOutput("ready"));
    std::string user_ns = "/proc/" + std::to_string(owner.Get().pid) + "/ns/user";

    // A second container in the first one's user and pid namespaces (a "pod"), with its own
    // mount, uts, ipc, net and cgroup namespaces, which the joined user namespace owns.
    config::ContainerConfig second = Config("cat /proc/self/uid_map; hostname; readlink /proc/self/ns/pid; "
                                            "cat /proc/1/cmdline | tr '\\0' ' '");
    second.hostname = "joined";
    for (config::NamespaceConfig& ns : second.namespaces)
        if (ns.kind == config::NamespaceKind::Pid)
            ns.path = "/proc/" + std::to_string(owner.Get().pid) + "/ns/pid";
    second.namespaces.push_back({config::NamespaceKind::User, user_ns});
    Outcome r = Run(second);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "         0     400000      65536\njoined\n" + NsLink("/proc/" + std::to_string(owner.Get().pid) + "/ns/pid") +
                         "\nsleep 100 ")  // busybox sh execs its last command
        << r.err;

    // A new pid namespace would belong to the host's user namespace: refused before anything starts.
    for (config::NamespaceConfig& ns : second.namespaces)
        if (ns.kind == config::NamespaceKind::Pid)
            ns.path.reset();
    ExpectLaunchError(second, "a new pid namespace cannot be combined with joining a user namespace by path");
}

TEST_F(LaunchTest, BlockedAndIgnoredSignalsOfTheCallerAreNotInherited) {
    // A foreground caller blocks the signals it forwards; the container must start clean.
    sigset_t block, old_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    ASSERT_EQ(::sigprocmask(SIG_BLOCK, &block, &old_mask), 0);
    struct sigaction ignore {}, old_hup {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGHUP, &ignore, &old_hup);
    Outcome r;
    try {
        config::ContainerConfig c = Config("");
        c.process.args = {"/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"};  // not a shell: sh ignores QUIT
        r = Run(c);
    } catch (...) {
        ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
        ::sigaction(SIGHUP, &old_hup, nullptr);
        throw;
    }
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    ::sigaction(SIGHUP, &old_hup, nullptr);
    EXPECT_EQ(r.out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n") << r.err;
}

TEST_F(LaunchTest, CallerStaysDumpableAndTheInitIsTheContainersProgram) {
    // The launch marks our (shared) mm non-dumpable while the child runs berthctl code; it must
    // be restored, and /proc/PID/exe of the init must name the container's binary, not ours.
    ASSERT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
    RunningContainer container(Config("echo ready; exec sleep 100"), driver_, Id());
    ASSERT_TRUE(container.WaitForOutput("ready"));
    EXPECT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
    std::string exe = NsLink("/proc/" + std::to_string(container.Get().pid) + "/exe");
    EXPECT_EQ(exe.substr(exe.size() >= 8 ? exe.size() - 8 : 0), "/busybox") << exe;
}

TEST_F(LaunchTest, TerminalIsAPtyInsideTheContainer) {
    config::ContainerConfig c = Config("tty; stat -L -c %t /proc/self/fd/0");
    c.process.terminal = true;
    launch::LaunchOptions options;
    options.container_id = Id();
    launch::Launched launched = launch::Launch(c, driver_, options);
    ASSERT_TRUE(launched.terminal_master.Valid());
    std::string out = ReadAll(launched.terminal_master.Get());
    siginfo_t info{};
    ::waitid(P_PIDFD, static_cast<id_t>(launched.pidfd.Get()), &info, WEXITED);
    driver_.Destroy(launched.placement);
    EXPECT_EQ(out, "/dev/pts/0\r\n88\r\n");  // major 136 = 0x88: a devpts slave
}

TEST_F(LaunchTest, BindMountWithOptionsIsReadOnly) {
    std::string data = TempDir() + "/data";
    std::filesystem::create_directories(data);
    WriteFileAtomic(data + "/file", "content\n");
    config::ContainerConfig c = Config("cat /data/file; touch /data/new 2>&1 | grep -c Read-only; grep ' /data ' /proc/mounts");
    c.mounts.push_back({data, "/data", "bind", {"rbind", "ro", "nosuid", "nodev", "rprivate"}});
    Outcome r = Run(c);
    EXPECT_EQ(r.out.substr(0, 10), "content\n1\n") << r.err;
    EXPECT_NE(r.out.find("ro,nosuid,nodev"), std::string::npos) << r.out;
    EXPECT_FALSE(PathExists(data + "/new"));
}

TEST_F(LaunchTest, ReadonlyRootfs) {
    config::ContainerConfig c = Config("touch /x 2>&1 | grep -c Read-only; touch /dev/shm/x && echo shm-ok");
    c.rootfs_readonly = true;
    Outcome r = Run(c);
    EXPECT_EQ(r.out, "1\nshm-ok\n") << r.err;
}

TEST_F(LaunchTest, MissingRootfsIsAClearError) {
    config::ContainerConfig c = Config("true");
    c.rootfs = TempDir() + "/no-such-rootfs";
    ExpectLaunchError(c, "rootfs " + c.rootfs + ": No such file or directory");
    EXPECT_EQ(driver_.created, 0);
}

TEST_F(LaunchTest, MissingCommandIsAClearError) {
    config::ContainerConfig c = Config("true");
    c.process.args = {"/bin/no-such-command"};
    ExpectLaunchError(c, "exec /bin/no-such-command: No such file or directory");
    c.process.args = {"no-such-command"};
    ExpectLaunchError(c, "exec no-such-command (searched /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin): "
                         "No such file or directory");
    EXPECT_EQ(driver_.created, 2);  // the cgroups existed and were removed (TearDown checks)
}

TEST_F(LaunchTest, BadNetnsPathIsAClearError) {
    config::ContainerConfig c = Config("true");
    for (config::NamespaceConfig& ns : c.namespaces)
        if (ns.kind == config::NamespaceKind::Net)
            ns.path = "/run/netns/berth-no-such-netns";
    ExpectLaunchError(c, "open net namespace /run/netns/berth-no-such-netns: No such file or directory");
    // A file that is not a namespace at all.
    for (config::NamespaceConfig& ns : c.namespaces)
        if (ns.kind == config::NamespaceKind::Net)
            ns.path = "/etc/hostname";
    ExpectLaunchError(c, "open net namespace /etc/hostname: not a namespace file: Invalid argument");
    EXPECT_EQ(driver_.created, 0);
    // We are back in our own network namespace.
    EXPECT_EQ(NsLink("/proc/thread-self/ns/net"), NsLink("/proc/self/ns/net"));
    EXPECT_EQ(NsLink("/proc/self/ns/net"), initial_netns_);
}

TEST_F(LaunchTest, BadMountSourceIsAClearError) {
    config::ContainerConfig c = Config("true");
    c.mounts.push_back({"/no-such-source", "/mnt", "bind", {"rbind"}});
    ExpectLaunchError(c, "mount /no-such-source on /mnt: No such file or directory");
}

TEST_F(LaunchTest, FailedMountReportsTheStep) {
    config::ContainerConfig c = Config("true");
    c.mounts.push_back({"none", "/mnt", "no-such-fs-type", {}});
    ExpectLaunchError(c, "mount none on /mnt: No such device");
}

}  // namespace
}  // namespace berth::testing
