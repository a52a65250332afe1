// Berth where a systemd host's operator looks (issue 16), in the real-systemd harness: OOM kills as
// events and exit reasons, units generated from NAME.toml's [install] table, socket activation,
// time namespaces and the container's own cgroup at /sys/fs/cgroup. Each test runs its own berthd
// (a transient unit) on /run/berth (private to the harness) and its own config dir.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "berthd_test.hpp"
#include "systemd_harness.hpp"
#include "util/file.hpp"

namespace berth::harness {
namespace {

using namespace std::chrono_literals;

const std::string kSourceRoot = BERTH_TEST_SOURCE_ROOT;
const std::string kBerthctl = BERTH_TEST_BERTHCTL;

class SystemdNativeTest : public BerthdTest {
protected:
    void SetUp() override {
        SystemdHarnessTest::SetUp();
        if (IsSkipped())
            return;
        PrepareDirs("native", {kSourceRoot + "/dbus/org.berth1.conf"});
        if (HasFatalFailure())
            return;
        ASSERT_EQ(Run({"mkdir", "-p", kStateDir}).exit_code, 0);
        StartBerthdUnit("berthd-native", kStateDir);
    }

    void TearDown() override {
        if (IsSkipped() || dir_.empty())
            return;
        RunShell("for n in $(ls " + std::string(kStateDir) + "); do " + InProcess("rm --force $n") + "; done");
        StopBerthdUnit();
    }

    void WriteConfig(const std::string& name, const std::string& args, const std::string& more = "") {
        WriteFileAtomic(dir_ + "/conf/" + name + ".toml", "rootfs = \"" + rootfs_ +
                                                              "\"\nstop_timeout = \"5s\"\n" + more +
                                                              "[process]\nargs = " + args + "\n");
    }

    // berthctl on the test's state and config dirs, in-process.
    std::string InProcess(const std::string& args) const {
        return "env BERTH_NO_DAEMON=1 " + kBerthctl + " --state-dir " + kStateDir + " --config-path " + dir_ +
               "/conf " + args;
    }
    // berthctl through berthd: /run/berth hidden under an empty tmpfs, so in-process it would find nothing.
    CommandResult ViaBerthd(const std::string& args) const {
        return RunShell("unshare -m /bin/sh -c 'mount -t tmpfs berth-hidden /run/berth && exec \"$@\"' sh env -u "
                        "BERTH_CONFIG_PATH -u BERTH_STATE_DIR " + kBerthctl + " " + args);
    }

    // Starts `berthctl events --json NAME` in the background, writing to dir_/events.log; returns once it listens.
    void FollowEvents(const std::string& name) {
        const std::string log = dir_ + "/events.log";
        auto r = RunShell(kBerthctl + " --debug events --json " + name + " > " + log + " 2>&1 & echo $! > " + dir_ +
                          "/events.pid; for i in $(seq 100); do grep -q listening " + log +
                          " 2>/dev/null && exit 0; sleep 0.1; done; exit 1");
        ASSERT_EQ(r.exit_code, 0) << Describe(r) << ReadFileIfExists(log).value_or("");
    }
    // The events seen so far once `last` shows up ("event" or "event code"), and stops following.
    std::vector<std::string> EventsUntil(const std::string& last) {
        const std::string log = dir_ + "/events.log";
        std::regex line("\\{\"time\":\"[0-9T:.-]+Z\",\"name\":\"[^\"]+\",\"event\":\"([a-z]+)\""
                        "(,\"exit_code\":(-?[0-9]+))?\\}\n");
        std::vector<std::string> events;
        for (int i = 0; i < 300; ++i, std::this_thread::sleep_for(100ms)) {
            std::string seen = ReadFileIfExists(log).value_or("");
            events.clear();
            for (auto it = std::sregex_iterator(seen.begin(), seen.end(), line); it != std::sregex_iterator(); ++it)
                events.push_back((*it)[1].str() + ((*it)[3].matched ? " " + (*it)[3].str() : ""));
            if (std::find(events.begin(), events.end(), last) != events.end())
                break;
        }
        RunShell("kill $(cat " + dir_ + "/events.pid)");
        return events;
    }

    std::string BerthdLog() const {
        return Describe(Run({"systemctl", "status", "--no-pager", "-l", "-n", "40", unit_}));
    }

    // berthctl through berthd as ViaBerthd, as an argv (for commands that are not run by a shell).
    std::vector<std::string> ViaBerthdArgv(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {"unshare", "-m", "/bin/sh", "-c",
                                         "mount -t tmpfs berth-hidden /run/berth && exec \"$@\"", "sh", "env",
                                         "-u", "BERTH_CONFIG_PATH", "-u", "BERTH_STATE_DIR", kBerthctl};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }

    // Runs argv on a pty pair (python's pty.fork: a session of its own, the pty its controlling
    // terminal, window 20x50): waits for "ready", resizes the window to 33x77 (SIGWINCH to argv),
    // types "hello" and Enter, reads everything up to EOF and appends "EXIT <code>".
    CommandResult OnPty(const std::vector<std::string>& argv) {
        const std::string driver = dir_ + "/pty_driver.py";
        WriteFileAtomic(driver, R"(import fcntl, os, pty, select, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 20, 50, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
out = b''
def pump(until=None):
    global out
    while until is None or until not in out:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            out += b'[no output for 60 s]'
            return
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b''
        if not chunk:
            return
        out += chunk
pump(b'ready')
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 77, 0, 0))
os.write(fd, b'hello\r')
pump()
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace') + '\nEXIT %d\n' % os.waitstatus_to_exitcode(status))
)");
        std::vector<std::string> full = {"python3", driver};
        full.insert(full.end(), argv.begin(), argv.end());
        return Run(full);
    }

    // What a terminal test's container runs: its window size, then a line read, then the size again.
    static std::string TerminalScript(int exit_code) {
        return "stty size; echo ready; read line; echo got=$line; stty size; exit " + std::to_string(exit_code);
    }
    static void ExpectTerminalSession(const CommandResult& r, int exit_code) {
        // Our terminal's size at the start, the resize passed on before the input that followed it.
        EXPECT_NE(r.out.find("20 50\r\nready"), std::string::npos) << Describe(r);
        EXPECT_NE(r.out.find("got=hello\r\n33 77\r\n"), std::string::npos) << Describe(r);
        EXPECT_NE(r.out.find("acting through berthd"), std::string::npos) << Describe(r);
        EXPECT_NE(r.out.find("\nEXIT " + std::to_string(exit_code) + "\n"), std::string::npos) << Describe(r);
    }

    static constexpr const char* kStateDir = "/run/berth";
};

TEST_F(SystemdNativeTest, OomKillIsAnEventAndTheExitReason) {
    // The init doubles a string until the 16M limit's OOM killer takes it.
    WriteConfig("oomer", "[\"/bin/sh\", \"-c\", \"x=0123456789abcdef; while :; do x=$x$x; done\"]",
                "[resources]\nmemory_max = \"16M\"\n");
    FollowEvents("oomer");
    auto r = Run({"busctl", "call", "org.berth1", "/org/berth1", "org.berth1.Manager", "RunContainer", "ssa{sv}",
                  "oomer", "", "0"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r) << BerthdLog();
    ASSERT_TRUE(WaitForProperty("oomer", "State", "s \"stopped\"")) << Property("oomer", "State");
    EXPECT_EQ(Property("oomer", "ExitStatus"), "i 137") << "SIGKILLed by the OOM killer";
    EXPECT_EQ(Property("oomer", "OOMKills"), "t 1");
    EXPECT_EQ(EventsUntil("exited 137"), (std::vector<std::string>{"created", "started", "oom", "exited 137"}));

    // berthctl state, in-process and through berthd alike.
    r = RunShell(InProcess("state oomer"));
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find("\"exit_code\" : 137"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"exit_reason\" : \"oom-kill\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"oom_kills\" : 1"), std::string::npos) << r.out;
    auto daemon = ViaBerthd("state oomer");
    EXPECT_EQ(daemon.out, r.out) << Describe(daemon);
}

TEST_F(SystemdNativeTest, ForegroundOomKillIsAnEventAndTheExitReason) {
    const std::string hog = "x=0123456789abcdef; while :; do x=$x$x; done";
    // Through berthd: its monitor watches the cgroup as a detached container's does.
    FollowEvents("oomfg");
    auto r = Run(ViaBerthdArgv({"run", "--rootfs", rootfs_, "--name", "oomfg", "--memory", "16M", "--", "/bin/sh",
                                "-c", hog}));
    EXPECT_EQ(r.exit_code, 137) << Describe(r) << BerthdLog();
    EXPECT_NE(r.err.find("container oomfg was killed by the OOM killer (exit_reason oom-kill, exit code 137)"),
              std::string::npos)
        << Describe(r);
    EXPECT_EQ(EventsUntil("removed"),
              (std::vector<std::string>{"created", "started", "oom", "exited 137", "removed"}));

    // In-process: berthctl watches the cgroup itself and records the kill before the state goes.
    r = RunShell(InProcess("run --rootfs " + rootfs_ + " --name oomip --memory 16M -- /bin/sh -c '" + hog + "'"));
    EXPECT_EQ(r.exit_code, 137) << Describe(r);
    EXPECT_NE(r.err.find("container oomip was killed by the OOM killer (exit_reason oom-kill, exit code 137)"),
              std::string::npos)
        << Describe(r);
    EXPECT_NE(Property("oomip", "State").find("failed"), std::string::npos) << "removed after the run";
}

TEST_F(SystemdNativeTest, RunTtyThroughBerthdRelaysTheTerminalAndResizes) {
    auto r = OnPty(ViaBerthdArgv({"--debug", "run", "--tty", "--rootfs", rootfs_, "--name", "ttyrun", "--",
                                  "/bin/sh", "-c", TerminalScript(7)}));
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    ExpectTerminalSession(r, 7);
    // Nothing left: no container, no scope.
    EXPECT_NE(Property("ttyrun", "State").find("failed"), std::string::npos);
    auto units = Run({"systemctl", "list-units", "--all", "--no-legend", "--plain", "berth-ttyrun*"});
    EXPECT_EQ(Trim(units.out), "") << Describe(units);
}

TEST_F(SystemdNativeTest, ExecTtyThroughBerthdRelaysTheTerminalAndResizes) {
    auto r = Run(ViaBerthdArgv({"run", "--detach", "--rootfs", rootfs_, "--name", "ttyexec", "--", "/bin/sleep",
                                "1000"}));
    ASSERT_EQ(r.exit_code, 0) << Describe(r) << BerthdLog();
    r = OnPty(ViaBerthdArgv({"--debug", "exec", "--tty", "ttyexec", "--", "/bin/sh", "-c", TerminalScript(5)}));
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    ExpectTerminalSession(r, 5);
    // The exec'd shell is gone: only the init is left in the container's cgroup.
    auto processes = Run({"busctl", "call", "org.berth1", "/org/berth1", "org.berth1.Manager",
                          "GetContainerProcesses", "s", "ttyexec"});
    EXPECT_EQ(processes.exit_code, 0) << Describe(processes);
    EXPECT_NE(processes.out.find("a(us) 1 "), std::string::npos) << Describe(processes);
    EXPECT_EQ(Run(ViaBerthdArgv({"rm", "--force", "ttyexec"})).exit_code, 0);
}

TEST_F(SystemdNativeTest, GeneratedUnitRunsStopsAndRestartsTheContainer) {
    WriteConfig("genweb", "[\"/bin/sh\", \"-c\", \"trap 'exit 0' TERM; while :; do sleep 0.1; done\"]",
                "[install]\nwanted_by = [\"multi-user.target\"]\n");
    WriteConfig("genfail", "[\"/bin/sh\", \"-c\", \"exit 3\"]",
                "[install]\nrestart = \"on-failure\"\nrestart_sec = \"100ms\"\n");
    WriteConfig("plain", "[\"/bin/true\"]");
    const std::string berthctl = "env BERTH_NO_DAEMON=1 " + kBerthctl + " --config-path " + dir_ + "/conf ";
    auto r = RunShell(berthctl + "generate-unit genweb");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    const std::vector<std::string> expected = {
        "Type=notify\n", "ExecStart=\"" + kBerthctl + "\" run \"genweb\"\n",
        "Environment=\"BERTH_CONFIG_PATH=" + dir_ + "/conf\"\n", "TimeoutStopSec=35s\n",
        "Restart=no\n", "[Install]\nWantedBy=multi-user.target\n"};
    for (const std::string& line : expected)
        EXPECT_NE(r.out.find(line), std::string::npos) << line << " in\n" << r.out;

    r = RunShell(berthctl + "generate-unit --output /run/systemd/system genweb && " + berthctl +
                 "generate-unit --output /run/systemd/system genfail && systemctl daemon-reload");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    r = Run({"systemctl", "start", "berth-genweb"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r) << Describe(Run({"systemctl", "status", "--no-pager", "berth-genweb"}));
    EXPECT_EQ(Trim(Run({"systemctl", "is-active", "berth-genweb"}).out), "active");
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "Type", "berth-genweb"}).out), "notify");
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "SourcePath", "berth-genweb"}).out), dir_ + "/conf/genweb.toml");
    r = RunShell(InProcess("state genweb"));
    EXPECT_NE(r.out.find("\"status\" : \"running\""), std::string::npos) << Describe(r);
    // [install] wanted_by: systemctl enable links it where the generated unit says.
    r = Run({"systemctl", "enable", "berth-genweb"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Trim(Run({"systemctl", "is-enabled", "berth-genweb"}).out), "enabled");
    Run({"systemctl", "disable", "berth-genweb"});

    r = Run({"systemctl", "stop", "berth-genweb"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "ActiveState", "berth-genweb"}).out), "inactive");
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "ExecMainStatus", "berth-genweb"}).out), "0")
        << "SIGTERM reached the container's trap";
    EXPECT_NE(Run({"test", "-e", std::string(kStateDir) + "/genweb"}).exit_code, 0) << "the container is removed";

    // restart = "on-failure": genfail exits 3 each time and systemd starts it again.
    r = Run({"systemctl", "start", "--no-block", "berth-genfail"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    int restarts = 0;
    for (int i = 0; i < 300 && restarts < 2; ++i, std::this_thread::sleep_for(100ms))
        restarts = std::atoi(Trim(Run({"systemctl", "show", "-P", "NRestarts", "berth-genfail"}).out).c_str());
    EXPECT_GE(restarts, 2) << Describe(Run({"systemctl", "status", "--no-pager", "berth-genfail"}));
    // Between two runs (a new main process running, or being started) ExecMainCode is 0 and
    // ExecMainStatus says nothing yet: wait for the next recorded exit, which must be exit 3.
    std::string main_exit;
    for (int i = 0; i < 300; ++i, std::this_thread::sleep_for(50ms)) {
        main_exit = Trim(
            Run({"systemctl", "show", "-P", "ExecMainCode", "-P", "ExecMainStatus", "berth-genfail"}).out);
        if (main_exit.rfind("0", 0) != 0)
            break;
    }
    EXPECT_EQ(main_exit, "1\n3") << "ExecMainCode 1 (CLD_EXITED) with ExecMainStatus 3";
    Run({"systemctl", "stop", "berth-genfail"});
    Run({"systemctl", "reset-failed", "berth-genfail"});
    RunShell("rm -f /run/systemd/system/berth-genweb.service /run/systemd/system/berth-genfail.service && "
             "systemctl daemon-reload");

    // As a generator: units for the files with an [install] table only, with their links.
    const std::string out = dir_ + "/generated";
    r = RunShell(berthctl + "generate-unit --generator " + out);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(PathExists(out + "/berth-genweb.service"));
    EXPECT_TRUE(PathExists(out + "/berth-genfail.service"));
    EXPECT_FALSE(PathExists(out + "/berth-plain.service")) << "no [install] table, no unit";
    EXPECT_EQ(Trim(RunShell("readlink " + out + "/multi-user.target.wants/berth-genweb.service").out),
              "../berth-genweb.service");

    // A bad [install] value is an error naming the file and key.
    WriteConfig("badinstall", "[\"/bin/true\"]", "[install]\nwanted_by = [\"not a unit\"]\n");
    r = RunShell(berthctl + "check-config " + dir_ + "/conf/badinstall.toml");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE((r.out + r.err).find("badinstall.toml:"), std::string::npos) << Describe(r);
    EXPECT_NE((r.out + r.err).find("install.wanted_by: expected systemd unit names"), std::string::npos)
        << Describe(r);
}

TEST_F(SystemdNativeTest, SocketActivationPassesTheSocketIntoTheContainer) {
    // Accept=yes: each connection starts the service with the connected socket as fd 3; the
    // container answers through it with what it was told of it.
    WriteConfig("sockweb", "[\"/bin/sh\", \"-c\", \"echo fds=$LISTEN_FDS pid=$LISTEN_PID self=$$ "
                           "names=$LISTEN_FDNAMES >&3\"]");
    const std::string berthctl = "env BERTH_NO_DAEMON=1 " + kBerthctl + " --config-path " + dir_ + "/conf ";
    auto r = RunShell(berthctl + "generate-unit sockweb > /run/systemd/system/berth-sockweb@.service && "
                      "printf '[Socket]\\nListenStream=/run/sockweb.sock\\nAccept=yes\\n' > "
                      "/run/systemd/system/berth-sockweb.socket && systemctl daemon-reload && "
                      "systemctl start berth-sockweb.socket");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    r = Run({"python3", "-c",
             "import socket; s = socket.socket(socket.AF_UNIX); s.settimeout(60); s.connect('/run/sockweb.sock'); "
             "data = b''\nwhile True:\n  chunk = s.recv(256)\n  if not chunk: break\n  data += chunk\n"
             "print(data.decode(), end='')"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "fds=1 pid=1 self=1 names=connection\n")
        << Describe(r) << Describe(RunShell("journalctl --no-pager -n 30 -u 'berth-sockweb@*'"));
    RunShell("systemctl stop berth-sockweb.socket 'berth-sockweb@*'; systemctl reset-failed 'berth-sockweb*'; "
             "rm -f /run/systemd/system/berth-sockweb@.service /run/systemd/system/berth-sockweb.socket; "
             "systemctl daemon-reload");
}

TEST_F(SystemdNativeTest, SocketActivationThroughBerthdPassesTheSocketIntoTheContainer) {
    // The unit's berthctl acts through berthd (default state dir and search path): the sockets
    // travel over the bus (berthd -> monitor server -> its spare, which places them), and the init
    // is the child of berthd's monitor server, not of berthctl.
    // (The harness's /run is its own: the units are written from inside.)
    auto r = Run({"tee", "/run/systemd/system/berth-sockd@.service"},
                 "[Service]\nExecStart=" + kBerthctl + " run --rootfs " + rootfs_ +
                     " --name sockd -- /bin/sh -c 'echo fds=$$LISTEN_FDS pid=$$LISTEN_PID "
                     "names=$$LISTEN_FDNAMES >&3; read line <&3; echo got=$$line >&3'\n");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    r = Run({"tee", "/run/systemd/system/berth-sockd.socket"}, "[Socket]\nListenStream=/run/sockd.sock\nAccept=yes\n");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    r = RunShell("systemctl daemon-reload && systemctl start berth-sockd.socket");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    r = Run({"python3", "-c", R"(import socket, subprocess, time
s = socket.socket(socket.AF_UNIX); s.settimeout(60); s.connect('/run/sockd.sock')
f = s.makefile('rwb', buffering=0)
print(f.readline().decode(), end='')
# berthd may publish the start after the container already answered: wait for its Leader.
for attempt in range(600):
    leader = subprocess.run(['busctl', 'get-property', 'org.berth1', '/org/berth1/container/sockd',
                             'org.berth1.Container', 'Leader'], capture_output=True, text=True).stdout.split()[-1:]
    if leader and leader[0] != '0':
        break
    time.sleep(0.1)
leader = leader[0]
ppid = [l.split()[1] for l in open('/proc/%s/status' % leader) if l.startswith('PPid:')][0]
print('parent=' + ' '.join(open('/proc/%s/cmdline' % ppid).read().split('\0')[:2]))
f.write(b'hello\n')
print(f.read().decode(), end='')
)"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "fds=1 pid=1 names=connection\nparent=berthd --monitor-server\ngot=hello\n")
        << Describe(r) << Describe(RunShell("journalctl --no-pager -n 30 -u 'berth-sockd@*'")) << BerthdLog();
    RunShell("systemctl stop berth-sockd.socket 'berth-sockd@*'; systemctl reset-failed 'berth-sockd*'; "
             "rm -f /run/systemd/system/berth-sockd@.service /run/systemd/system/berth-sockd.socket; "
             "systemctl daemon-reload");
}

TEST_F(SystemdNativeTest, TimeNamespaceOffsetsTheContainersClocks) {
    // A year ahead on CLOCK_BOOTTIME (/proc/uptime), 100 s on CLOCK_MONOTONIC.
    const long long year = 365LL * 24 * 3600;
    WriteConfig("timer", "[\"/bin/sh\", \"-c\", \"cat /proc/uptime; cat /proc/self/timens_offsets\"]",
                "[namespaces]\ntime = true\n[time_offsets]\nboot = " + std::to_string(year) +
                    "\nmonotonic = 100\n");
    auto host_uptime = [] { return std::atoll(ReadFile("/proc/uptime").c_str()); };
    long long before = host_uptime();
    auto r = RunShell(InProcess("run timer"));
    long long after = host_uptime();
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    long long inside = std::atoll(r.out.c_str());
    EXPECT_GE(inside, before + year) << r.out;
    EXPECT_LE(inside, after + year + 1) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex("(^|\n)monotonic +100 +0\n"))) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex("(^|\n)boottime +" + std::to_string(year) + " +0\n"))) << r.out;

    WriteConfig("badtime", "[\"/bin/true\"]", "[time_offsets]\nboot = 5\n");
    r = RunShell(InProcess("check-config " + dir_ + "/conf/badtime.toml"));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE((r.out + r.err).find("time_offsets: clock offsets need a new time namespace"), std::string::npos)
        << Describe(r);
}

TEST_F(SystemdNativeTest, CgroupMountShowsOnlyTheContainersOwnCgroup) {
    WriteConfig("cgsee", "[\"/bin/sh\", \"-c\", \"cat /proc/self/cgroup; echo limit $(cat "
                         "/sys/fs/cgroup/memory/memory.limit_in_bytes); echo units $(ls "
                         "/sys/fs/cgroup/memory /sys/fs/cgroup/pids | grep -c -e .slice -e .scope); "
                         "mkdir /sys/fs/cgroup/memory/sub 2>/dev/null && echo writable || echo read-only\"]",
                "cgroup_mount = \"ro\"\n[resources]\nmemory_max = \"64M\"\n");
    auto r = RunShell(InProcess("run cgsee"));
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    // The cgroup namespace: every hierarchy's path is "/".
    for (const std::string& line : testing::SplitLines(r.out)) {
        if (line.rfind("limit ", 0) == 0 || line.rfind("units ", 0) == 0 || line == "read-only" || line == "writable")
            continue;
        size_t colon = line.rfind(':');
        ASSERT_NE(colon, std::string::npos) << r.out;
        EXPECT_EQ(line.substr(colon), ":/") << line;
    }
    // The mount's memory directory is the container's own cgroup (its limit), with only its processes.
    EXPECT_NE(r.out.find("limit 67108864\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("units 0\n"), std::string::npos) << "no slice or scope of the host below: " << r.out;
    EXPECT_NE(r.out.find("read-only\n"), std::string::npos) << r.out;

    WriteConfig("cgbad", "[\"/bin/true\"]", "cgroup_mount = \"yes\"\n");
    r = RunShell(InProcess("check-config " + dir_ + "/conf/cgbad.toml"));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE((r.out + r.err).find("cgroup_mount"), std::string::npos) << Describe(r);
}

}  // namespace
}  // namespace berth::harness
