// The systemd test harness boots a real, isolated systemd and cleans up after itself.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "systemd_harness.hpp"
#include "util/file.hpp"

namespace berth::harness {
namespace {

std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

using testing::SplitLines;

// Inode of a process' pid namespace, 0 if it is gone.
ino_t PidNamespaceOf(pid_t pid) {
    struct stat st;
    if (::stat(("/proc/" + std::to_string(pid) + "/ns/pid").c_str(), &st) != 0)
        return 0;
    return st.st_ino;
}

std::vector<pid_t> ProcessesInPidNamespace(ino_t ns) {
    std::vector<pid_t> found;
    DIR* proc = ::opendir("/proc");
    if (!proc)
        return found;
    while (dirent* e = ::readdir(proc)) {
        std::string name = e->d_name;
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        pid_t pid = static_cast<pid_t>(std::stol(name));
        if (PidNamespaceOf(pid) == ns)
            found.push_back(pid);
    }
    ::closedir(proc);
    return found;
}

std::vector<std::string> HostMountPoints() {
    std::vector<std::string> points;
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, point;
        fields >> id >> parent >> devno >> root >> point;
        points.push_back(point);
    }
    return points;
}

dev_t HostDeviceOf(const std::string& path) {
    struct stat st{};
    ::stat(path.c_str(), &st);
    return st.st_dev;
}

class HarnessTest : public SystemdHarnessTest {};

TEST_F(HarnessTest, Pid1IsSystemd) {
    CommandResult exe = Run({"readlink", "/proc/1/exe"});
    ASSERT_EQ(exe.exit_code, 0) << Describe(exe);
    EXPECT_TRUE(Trim(exe.out).ends_with("/lib/systemd/systemd")) << exe.out;
    CommandResult comm = Run({"cat", "/proc/1/comm"});
    EXPECT_EQ(Trim(comm.out), "systemd");
    // Host pid of that systemd, as the harness reports it, is the same process.
    char host_exe[256] = {};
    ASSERT_GT(::readlink(("/proc/" + std::to_string(Harness().Pid()) + "/exe").c_str(), host_exe, sizeof host_exe - 1), 0);
    EXPECT_EQ(std::string(host_exe), Trim(exe.out));
}

TEST_F(HarnessTest, SystemIsRunningOrDegraded) {
    CommandResult state = Run({"systemctl", "is-system-running"});
    std::string s = Trim(state.out);
    EXPECT_TRUE(s == "running" || s == "degraded") << Describe(state)
                                                   << RunShell("systemctl --failed --no-pager").out;
}

TEST_F(HarnessTest, ManagerVersionOverTheBusIsTheHostsSystemd) {
    CommandResult version = Run({"busctl", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                 "org.freedesktop.DBus.Properties", "Get", "ss",
                                 "org.freedesktop.systemd1.Manager", "Version"});
    ASSERT_EQ(version.exit_code, 0) << Describe(version);
    // systemctl --version, first line: "systemd 252 (252.39-1~deb12u2)".
    std::string host = SplitLines(RunOnHost({"systemctl", "--version"}).out).at(0);
    std::string full = host.substr(host.find('(') + 1);
    full = full.substr(0, full.find(')'));
    EXPECT_EQ(Trim(version.out), "v s \"" + full + "\"");
}

TEST_F(HarnessTest, NoGettyAndNoHostDaemonIsActive) {
    CommandResult gettys = Run({"systemctl", "list-units", "--all", "--state=active", "--no-legend", "--plain",
                                "*getty*"});
    ASSERT_EQ(gettys.exit_code, 0) << Describe(gettys);
    EXPECT_EQ(Trim(gettys.out), "");

    CommandResult services = Run({"systemctl", "list-units", "--type=service", "--state=active", "--no-legend",
                                  "--plain", "--full"});
    ASSERT_EQ(services.exit_code, 0) << Describe(services);
    const std::set<std::string> expected = {"dbus.service", "systemd-journald.service",
                                            "berth_harness-tmpfiles.service"};
    for (const std::string& line : SplitLines(services.out)) {
        std::string unit = line.substr(0, line.find(' '));
        if (unit.starts_with("harness-test-"))
            continue;  // started by other tests of this program
        EXPECT_TRUE(expected.contains(unit)) << "unexpected active service in the harness: " << line;
    }
    // A host daemon unit is masked, not merely not started.
    CommandResult getty = Run({"systemctl", "is-enabled", "getty@tty1.service"});
    EXPECT_EQ(Trim(getty.out), "masked") << Describe(getty);
}

TEST_F(HarnessTest, RunReportsExitCodeAndSeparatesStreams) {
    CommandResult r = RunShell("echo out; echo err >&2; exit 7");
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
    CommandResult in = Run({"cat"}, "fed through stdin");
    EXPECT_EQ(in.out, "fed through stdin");
}

TEST_F(HarnessTest, HostServiceManagerVariablesDoNotReachInside) {
    ::setenv("NOTIFY_SOCKET", "/run/host-notify", 1);
    CommandResult r = RunShell("echo \"[${NOTIFY_SOCKET-unset}]\"");
    ::unsetenv("NOTIFY_SOCKET");
    EXPECT_EQ(r.out, "[unset]\n") << Describe(r);
}

TEST_F(HarnessTest, RunsInsideEveryNamespaceOfTheHarness) {
    // The harness' own pid namespace: systemd is PID 1, and our shell is not the host's pid.
    CommandResult pid1 = RunShell("readlink /proc/1/ns/pid; readlink /proc/self/ns/pid");
    std::vector<std::string> ns = SplitLines(pid1.out);
    ASSERT_EQ(ns.size(), 2u) << Describe(pid1);
    EXPECT_EQ(ns[0], ns[1]);
    char host_ns[64] = {};
    ASSERT_GT(::readlink("/proc/self/ns/pid", host_ns, sizeof host_ns - 1), 0);
    EXPECT_NE(ns[0], std::string(host_ns));
    // Private tmpfs on /run, /tmp, /var/tmp: other filesystems than the host's.
    for (const char* path : {"/run", "/tmp", "/var/tmp"}) {
        CommandResult dev = Run({"stat", "-c", "%d", path});
        CommandResult fs = Run({"stat", "-f", "-c", "%T", path});
        EXPECT_EQ(Trim(fs.out), "tmpfs") << path;
        EXPECT_NE(std::stoul(dev.out), static_cast<unsigned long>(HostDeviceOf(path))) << path;
    }
    // Its bus is the harness' dbus-daemon, run by the harness' systemd.
    CommandResult bus = Run({"systemctl", "show", "-P", "MainPID", "dbus.service"});
    ASSERT_EQ(bus.exit_code, 0) << Describe(bus);
    EXPECT_GT(std::stoi(bus.out), 1);
}

TEST_F(HarnessTest, TransientServiceGetsItsCgroupInEveryHierarchy) {
    CommandResult started = Run({"systemd-run", "--unit=harness-test-sleep", "--property=MemoryAccounting=yes",
                                 "--property=TasksAccounting=yes", "sleep", "100"});
    ASSERT_EQ(started.exit_code, 0) << Describe(started);
    CommandResult cgroup = Run({"systemctl", "show", "-P", "ControlGroup", "harness-test-sleep.service"});
    EXPECT_EQ(Trim(cgroup.out), "/" + Harness().CgroupName() + "/system.slice/harness-test-sleep.service");

    CommandResult main_pid = Run({"systemctl", "show", "-P", "MainPID", "harness-test-sleep.service"});
    std::string unit_cgroup = "/system.slice/harness-test-sleep.service";
    for (const char* hierarchy : {"systemd", "unified", "memory", "pids"}) {
        std::string dir = Harness().HostCgroupPath(hierarchy, unit_cgroup);
        EXPECT_TRUE(PathExists(dir)) << dir;
        // Read inside: pids there are the harness' pid namespace's.
        CommandResult procs = Run({"cat", dir + "/cgroup.procs"});
        EXPECT_EQ(Trim(procs.out), Trim(main_pid.out)) << hierarchy;
    }

    CommandResult stopped = Run({"systemctl", "stop", "harness-test-sleep.service"});
    EXPECT_EQ(stopped.exit_code, 0) << Describe(stopped);
    EXPECT_FALSE(PathExists(Harness().HostCgroupPath("systemd", unit_cgroup)));
}

TEST_F(HarnessTest, TransientScopeHoldsItsProcess) {
    CommandResult started = RunShell(
        "systemd-run --scope --unit=harness-test-scope sleep 100 >/dev/null 2>&1 </dev/null &"
        "for i in $(seq 100); do systemctl -q is-active harness-test-scope.scope && exit 0; sleep 0.1; done; exit 1");
    ASSERT_EQ(started.exit_code, 0) << Describe(started);
    CommandResult cgroup = Run({"systemctl", "show", "-P", "ControlGroup", "harness-test-scope.scope"});
    std::string prefix = "/" + Harness().CgroupName();
    ASSERT_TRUE(cgroup.out.starts_with(prefix + "/")) << Describe(cgroup);
    std::string procs_file = Harness().HostCgroupPath("systemd", Trim(cgroup.out).substr(prefix.size()) + "/cgroup.procs");
    std::string procs = ReadFile(procs_file);
    ASSERT_FALSE(Trim(procs).empty()) << procs_file;
    pid_t host_pid = static_cast<pid_t>(std::stol(procs));
    std::string cmdline = ReadFile("/proc/" + std::to_string(host_pid) + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    EXPECT_TRUE(cmdline.ends_with("sleep 100 ")) << cmdline;
    EXPECT_EQ(Run({"systemctl", "stop", "harness-test-scope.scope"}).exit_code, 0);
    EXPECT_FALSE(PathExists(procs_file));
}

TEST_F(HarnessTest, FilesAddedInsideStayOffTheHost) {
    std::string policy = Harness().Dir() + "/harness-test.conf";
    std::ofstream(policy) << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
                             " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                             "<busconfig><policy user=\"root\"><allow own=\"org.berth1.HarnessTest\"/></policy></busconfig>\n";
    Harness().AddFilesInside("/etc/dbus-1/system.d", {policy});
    EXPECT_EQ(Run({"test", "-f", "/etc/dbus-1/system.d/harness-test.conf"}).exit_code, 0);
    EXPECT_FALSE(PathExists("/etc/dbus-1/system.d/harness-test.conf"));
    CommandResult reload = Run({"systemctl", "reload", "dbus.service"});
    EXPECT_EQ(reload.exit_code, 0) << Describe(reload);
}

TEST_F(HarnessTest, InstalledUnitsRunInsideOnly) {
    std::string unit = Harness().Dir() + "/harness-test-oneshot.service";
    std::ofstream(unit) << "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'echo $$ > /run/oneshot.pid'\n";
    Harness().InstallUnits({unit});
    CommandResult started = Run({"systemctl", "start", "harness-test-oneshot.service"});
    ASSERT_EQ(started.exit_code, 0) << Describe(started);
    EXPECT_EQ(Run({"test", "-s", "/run/oneshot.pid"}).exit_code, 0);
    EXPECT_FALSE(PathExists("/etc/systemd/system/harness-test-oneshot.service"));
    EXPECT_FALSE(PathExists("/run/oneshot.pid"));
    EXPECT_EQ(Run({"systemctl", "stop", "harness-test-oneshot.service"}).exit_code, 0);
}

// A harness of its own, to observe boot and teardown from the outside.
TEST(HarnessLifecycleTest, LeavesHostTmpMountsProcessesAndCgroupsAlone) {
    if (std::string why = HarnessUnavailableReason(); !why.empty())
        GTEST_SKIP() << "no systemd harness: " << why;
    std::string marker = "/tmp/berth_harness-marker-" + std::to_string(::getpid());
    std::ofstream(marker) << "host\n";
    std::string dir = std::string(BERTH_HARNESS_TEST_DIR) + "/lifecycle-" + std::to_string(::getpid());

    ino_t pid_ns = 0;
    std::vector<std::string> cgroups;
    {
        SystemdHarness harness(dir);
        pid_ns = PidNamespaceOf(harness.Pid());
        cgroups = harness.CreatedCgroups();
        ASSERT_NE(pid_ns, 0u);
        ASSERT_FALSE(cgroups.empty());
        for (const std::string& cgroup : cgroups)
            EXPECT_TRUE(cgroup.ends_with("/" + harness.CgroupName())) << cgroup;

        EXPECT_NE(harness.Run({"test", "-e", marker}).exit_code, 0) << "the host's /tmp is visible inside";
        EXPECT_EQ(harness.Run({"touch", "/tmp/inside-only"}).exit_code, 0);
        EXPECT_FALSE(PathExists("/tmp/inside-only"));
        // Nothing the harness mounted shows up on the host.
        for (const std::string& point : HostMountPoints())
            EXPECT_NE(point, "/etc/systemd/system") << "harness mount leaked to the host";
        EXPECT_EQ(harness.Run({"systemd-run", "--unit=harness-test-left-running", "sleep", "1000"}).exit_code, 0);
        EXPECT_GT(ProcessesInPidNamespace(pid_ns).size(), 3u);

        EXPECT_EQ(harness.Stop(), "");
    }
    EXPECT_EQ(ReadFile(marker), "host\n") << "the host's /tmp was touched";
    EXPECT_TRUE(ProcessesInPidNamespace(pid_ns).empty());
    for (const std::string& cgroup : cgroups)
        EXPECT_FALSE(PathExists(cgroup)) << cgroup;
    ::unlink(marker.c_str());
    RunOnHost({"rm", "-rf", "--one-file-system", dir});
}

}  // namespace
}  // namespace berth::harness
