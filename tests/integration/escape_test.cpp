// Container-escape classes as regression tests, through the real berthctl (in-process, cgroupfs):
// each names the CVE class it guards and how it was proven to fail without its protection.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <thread>

#include "fixture.hpp"

namespace berth::testing {
namespace {

const std::string kProbe = BERTH_TEST_ESCAPE_PROBE;

std::string Quote(const std::string& s) { return "'" + std::regex_replace(s, std::regex("'"), "'\\''") + "'"; }

class EscapeTest : public BerthFixture {
protected:
    void SetUp() override {
        BerthFixture::SetUp();
        if (IsSkipped())
            return;
        rootfs_ = MakePrivateRootfs();
        std::filesystem::copy_file(kProbe, rootfs_ + "/bin/escape-probe",
                                   std::filesystem::copy_options::overwrite_existing);
        chmod((rootfs_ + "/bin/escape-probe").c_str(), 0755);
    }
    // NAME.toml with the private rootfs, args and extra TOML; then `run NAME`.
    CommandResult RunConfigured(const std::string& name, const std::string& args, const std::string& extra = "") {
        WriteContainerToml(name, "rootfs = \"" + rootfs_ + "\"\n" + extra + "\n[process]\nargs = " + args + "\n");
        return Berthctl({"run", name});
    }
    // berthctl from a shell that holds fd 7 open on the host's / and sits in a host directory:
    // what a container must never reach (runc's leaked fd and cwd of CVE-2024-21626).
    CommandResult BerthctlHoldingHostFd(const std::vector<std::string>& args) {
        std::string command = "exec 7</; cd " + Quote(TempDir()) + " &&";
        for (const auto& a : BerthctlArgv(args))
            command += " " + Quote(a);
        return RunCommand({"/bin/sh", "-c", command});
    }
    static void ExpectOnlyStdioAndRootCwd(const CommandResult& r) {
        EXPECT_EQ(r.exit_code, 0) << Describe(r);
        std::vector<std::string> fds;
        std::regex fd_line("(^|\\n)fd ([0-9]+) ");
        for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), fd_line); it != std::sregex_iterator(); ++it)
            fds.push_back((*it)[2]);
        EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2"})) << r.out;
        EXPECT_NE(r.out.find("\ncwd /\n"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("\ncwd-dotdot /\n"), std::string::npos) << r.out;
    }
    std::string rootfs_;
};

// CVE-2024-21626 class: no fd and no cwd of the host reaches the container, at run and at exec.
// Proven for fds: with CloseInheritedFds() a no-op, "fd 7 /" (the host's root) appeared at run and
// at exec and the test failed. The cwd checks could not be made to fail that way: with both chdir
// calls (after pivot_root, and the process plan's) removed, cwd was still "/", since the launcher
// fchdir()s into the rootfs before pivot_root and setns(CLONE_NEWNS) resets cwd at exec.
TEST_F(EscapeTest, NoHostFdOrCwdReachesTheContainerAtRunOrExec) {
    ExpectOnlyStdioAndRootCwd(BerthctlHoldingHostFd({"run", "--rootfs", rootfs_, "--", "/bin/escape-probe", "fds"}));

    std::string name = UniqueName("fds");
    auto r = Berthctl({"run", "--detach", "--rootfs", rootfs_, "--name", name, "--", "/bin/sleep", "1000"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    ExpectOnlyStdioAndRootCwd(BerthctlHoldingHostFd({"exec", name, "--", "/bin/escape-probe", "fds"}));
    Berthctl({"rm", "--force", name});
}

// The syscalls Docker's and runc's default profiles deny are denied by Berth's default profile
// too (clone3 answers ENOSYS, as Docker's does, so that libc falls back to the filtered clone).
// Proven: the same probe unconfined gets past seccomp (second half of the test); before this test,
// clone(CLONE_NEWUSER) and clone3 got through the default profile ("ok") while unshare did not.
TEST_F(EscapeTest, DefaultSeccompProfileDeniesWhatDockersDefaultDenies) {
    const std::string probes =
        "[\"/bin/escape-probe\", \"keyctl\", \"add_key\", \"bpf\", \"mount\", \"clone-user\", "
        "\"clone3\", \"unshare-user\", \"ptrace\"]";
    // ptrace last: once PTRACE_TRACEME succeeds (unconfined), the next signal would stop the probe.
    auto confined = RunConfigured(UniqueName("seccomp"), probes);
    EXPECT_EQ(confined.exit_code, 0) << Describe(confined);
    EXPECT_EQ(confined.out,
              "keyctl EPERM\nadd_key EPERM\nbpf EPERM\nmount EPERM\nclone-user EPERM\nclone3 ENOSYS\n"
              "unshare-user EPERM\nptrace EPERM\n");

    auto unconfined = RunConfigured(UniqueName("unconfined"), probes, "[seccomp]\nprofile = \"unconfined\"");
    EXPECT_EQ(unconfined.exit_code, 0) << Describe(unconfined);
    EXPECT_EQ(unconfined.out,
              "keyctl ok\nadd_key ok\nbpf EINVAL\nmount ENOENT\nclone-user ok\nclone3 ok\nunshare-user ok\nptrace ok\n")
        << "the probe must tell seccomp's answer from the kernel's";
    ExpectNothingLeftBehind();
}

// /proc/sysrq-trigger, /proc/sys, /sys and host devices are not writable from a default container.
// Proven: with readonly_paths = [] (the protection off) the same opens of /proc/sysrq-trigger and
// /proc/sys/net succeed (second half of the test). /sys is mounted read-only; host device nodes
// cannot be made (no CAP_MKNOD) and would be refused by the device cgroup.
TEST_F(EscapeTest, ProcSysSysrqSysAndHostDevicesAreNotWritable) {
    // Opened for writing only (nothing written); ip_forward is of the container's own netns, whose
    // root may write it, so only the read-only bind stops it.
    // This kernel may be built without magic SysRq: then there is no /proc/sysrq-trigger to test.
    const std::string sysrq = access("/proc/sysrq-trigger", F_OK) == 0 ? "/proc/sysrq-trigger " : "";
    if (sysrq.empty())
        RecordProperty("sysrq_trigger", "absent on this kernel: not tested");
    const std::string writes =
        "for f in " + sysrq + "/proc/sys/net/ipv4/ip_forward /proc/sys/kernel/hostname "
        "/sys/kernel/uevent_helper; do if printf '' > $f; then echo $f writable; else echo $f denied; fi; "
        "done 2>/dev/null; for d in 'mem c 1 1' 'disk b 8 0'; do set -- $d; "
        "if mknod /tmp/$1 $2 $3 $4 2>/dev/null && head -c1 /tmp/$1 >/dev/null 2>&1; then echo $1 readable; "
        "else echo $1 denied; fi; done";
    const std::string args = "[\"/bin/sh\", \"-c\", \"" + writes + "\"]";
    auto r = RunConfigured(UniqueName("ro"), args);
    const std::string sysrq_line = sysrq.empty() ? "" : "/proc/sysrq-trigger denied\n";
    EXPECT_EQ(r.out,
              sysrq_line + "/proc/sys/net/ipv4/ip_forward denied\n/proc/sys/kernel/hostname denied\n"
              "/sys/kernel/uevent_helper denied\nmem denied\ndisk denied\n")
        << Describe(r);
    auto open = RunConfigured(UniqueName("rw"), args, "readonly_paths = []");
    EXPECT_EQ(open.out.substr(0, open.out.find("/proc/sys/kernel")),
              (sysrq.empty() ? "" : "/proc/sysrq-trigger writable\n") + std::string("/proc/sys/net/ipv4/ip_forward writable\n"))
        << "without the read-only binds the writes get through: " << Describe(open);
    ExpectNothingLeftBehind();
}

// CVE-2021-30465 class: a mount destination that is a symlink out of the rootfs is resolved inside
// it (openat2 RESOLVE_IN_ROOT), and one swapped for such a symlink while the container is set up
// never lands on the host. Proven: with OpenAt2's resolve flags cleared, the mount point was
// created in the host's directory ("a mount point was made on the host", and in every race round).
TEST_F(EscapeTest, SymlinkedMountDestinationsStayInTheRootfs) {
    const std::string host_target = TempDir() + "/host-target";
    std::filesystem::create_directories(host_target);
    std::filesystem::create_directory_symlink(host_target, rootfs_ + "/escape");
    const std::string mount_toml = "[[mounts]]\ndestination = \"/escape/inner\"\ntype = \"tmpfs\"\nsource = \"tmpfs\"\n";
    auto r = RunConfigured(UniqueName("link"), "[\"/bin/sh\", \"-c\", \"grep -c ' " + host_target +
                                                   "/inner ' /proc/self/mountinfo; true\"]",
                           mount_toml);
    // The link resolves to ROOTFS/HOST_TARGET, which does not exist: the run fails, naming the mount.
    EXPECT_EQ(r.exit_code, 125) << Describe(r);
    EXPECT_NE(r.err.find("resolve /escape/inner in the rootfs"), std::string::npos) << Describe(r);
    EXPECT_TRUE(MountsUnder(host_target).empty()) << "a mount landed on the host";
    EXPECT_FALSE(std::filesystem::exists(host_target + "/inner")) << "a mount point was made on the host";
    // With the link's target present inside the rootfs, the mount lands there.
    std::filesystem::create_directories(rootfs_ + host_target);
    r = RunConfigured(UniqueName("link"), "[\"/bin/true\"]", mount_toml);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(std::filesystem::is_directory(rootfs_ + host_target + "/inner")) << "followed inside the rootfs";
    EXPECT_TRUE(MountsUnder(host_target).empty()) << "a mount landed on the host";

    ExpectNothingLeftBehind();
}

// The race of CVE-2021-30465: /race flips between a directory and a symlink to a host dir while
// each container is set up; the mount point is never made, nor the mount done, on the host.
// Proven: with OpenAt2's resolve flags cleared, "made on the host" in the first rounds.
TEST_F(EscapeTest, MountDestinationSwappedForASymlinkDuringSetupNeverLandsOnTheHost) {
    const std::string host_target = TempDir() + "/host-race-target";
    std::filesystem::create_directories(host_target);
    std::atomic<bool> stop{false};
    std::thread flipper([&] {
        const std::string dir = rootfs_ + "/race", aside = rootfs_ + "/race.dir";
        mkdir(dir.c_str(), 0755);
        while (!stop) {
            rename(dir.c_str(), aside.c_str());
            symlink(host_target.c_str(), dir.c_str());
            unlink(dir.c_str());
            rename(aside.c_str(), dir.c_str());
        }
    });
    const std::string race_toml = "[[mounts]]\ndestination = \"/race/inner\"\ntype = \"tmpfs\"\nsource = \"tmpfs\"\n";
    int started = 0;
    for (int i = 0; i < 30; ++i) {
        auto run = RunConfigured(UniqueName("race"), "[\"/bin/true\"]", race_toml);
        started += run.exit_code == 0;
        EXPECT_TRUE(MountsUnder(host_target).empty()) << "round " << i << ": a mount landed on the host";
        EXPECT_FALSE(std::filesystem::exists(host_target + "/inner")) << "round " << i << ": made on the host";
    }
    stop = true;
    flipper.join();
    RecordProperty("race_runs_started", started);
    ExpectNothingLeftBehind();
}

// A rootfs whose /proc is a symlink to a host path: /proc is mounted inside the rootfs or the run
// fails; never on the host. Proven: with the resolve flags cleared, proc went to the host path in
// the container's mount namespace (invisible to the host), and the container had no working /proc.
TEST_F(EscapeTest, ProcOverASymlinkedTargetStaysInTheRootfs) {
    const std::string host_target = TempDir() + "/host-proc";
    std::filesystem::create_directories(host_target);
    std::filesystem::remove(rootfs_ + "/proc");
    std::filesystem::create_directory_symlink(host_target, rootfs_ + "/proc");
    const std::string args =
        "[\"/bin/sh\", \"-c\", \"head -c 10 /proc/kcore | wc -c; grep -c ^Pid: /proc/self/status; "
        "if printf '' > /proc/sys/net/ipv4/ip_forward; then echo writable; else echo denied; fi 2>/dev/null\"]";
    // The link resolves to ROOTFS/HOST_TARGET, which does not exist: a clear failure.
    auto r = RunConfigured(UniqueName("proc"), args);
    EXPECT_EQ(r.exit_code, 125) << Describe(r);
    EXPECT_NE(r.err.find("resolve /proc in the rootfs"), std::string::npos) << Describe(r);
    EXPECT_TRUE(MountsUnder(host_target).empty()) << "proc landed on the host: " << Describe(r);
    // It exists inside: /proc is a working procfs there with its protections (kcore masked,
    // /proc/sys read-only).
    std::filesystem::create_directories(rootfs_ + host_target);
    r = RunConfigured(UniqueName("proc"), args);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "0\n1\ndenied\n") << Describe(r);
    EXPECT_TRUE(MountsUnder(host_target).empty()) << "proc landed on the host: " << Describe(r);
    EXPECT_TRUE(std::filesystem::is_empty(host_target));
    ExpectNothingLeftBehind();
}

}  // namespace
}  // namespace berth::testing
