// Container lifecycle through berthctl: foreground runs (exit codes, stdin, signal forwarding,
// terminal), detached containers (list, state, ps, kill, exec, rm), concurrency, corrupt state.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "fixture.hpp"
#include "read_text.hpp"

namespace berth::testing {
namespace {

// A scalar of a flat JSON object as text ("..." unquoted), or "" when the key is absent.
std::string JsonField(const std::string& json, const std::string& key) {
    std::smatch m;
    std::regex re("\"" + key + "\"\\s*:\\s*(\"([^\"]*)\"|(-?[0-9]+))");
    if (!std::regex_search(json, m, re))
        return "";
    return m[2].matched ? m[2].str() : m[3].str();
}

std::string NsLink(pid_t pid, const std::string& ns) {
    char buf[256];
    ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/ns/" + ns).c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

bool PathExistsForTest(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Gone, or a zombie waiting for its reaper: either way no longer running.
bool ProcessEnded(pid_t pid) {
    std::string stat = ReadText("/proc/" + std::to_string(pid) + "/stat");
    size_t close = stat.rfind(')');
    return stat.empty() || (close != std::string::npos && stat.compare(close, 4, ") Z ") == 0);
}

// A shell loop that stays up until TERM (init of a pid namespace needs the trap to die of TERM).
const std::vector<std::string> kSleeper = {"/bin/sh", "-c",
                                           "trap 'exit 0' TERM; echo ready; while :; do sleep 0.1; done"};

class LifecycleTest : public BerthFixture {
protected:
    // Starts a detached container running args; asserts success.
    void RunDetached(const std::string& name, const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--"};
        argv.insert(argv.end(), args.begin(), args.end());
        CommandResult r = Berthctl(argv);
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
    }

    std::string StateJson(const std::string& name) {
        CommandResult r = Berthctl({"state", name});
        EXPECT_EQ(r.exit_code, 0) << Describe(r);
        return r.out;
    }

    // Polls `state` until the status is `want` (the container's reaction to a signal is asynchronous).
    std::string WaitForStatus(const std::string& name, const std::string& want) {
        std::string status;
        for (int i = 0; i < 300; ++i) {
            status = JsonField(StateJson(name), "status");
            if (status == want)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return status;
    }
};

TEST_F(LifecycleTest, ForegroundRunPassesTheExitCodeAndRemovesItsState) {
    CommandResult r = Berthctl({"run", "--rootfs", Rootfs(), "--name", UniqueName("exit"), "--", "/bin/sh", "-c",
                                "echo out; echo err >&2; exit 7"});
    EXPECT_EQ(r.exit_code, 7) << Describe(r);
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, InitKilledBySignalGives128PlusN) {
    std::string name = UniqueName("killed");
    auto run = StartBerthctl({"run", "--rootfs", Rootfs(), "--name", name, "--", "/bin/sh", "-c",
                              "echo ready; while :; do sleep 0.1; done"});
    ASSERT_TRUE(run->WaitForOutput("ready")) << run->OutSoFar();
    CommandResult kill = Berthctl({"kill", name, "SIGKILL"});
    EXPECT_EQ(kill.exit_code, 0) << Describe(kill);
    CommandResult r = run->Wait();
    EXPECT_EQ(r.exit_code, 128 + SIGKILL) << Describe(r);
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, WaitReturnsOnceTheContainerStopsWithItsExitCode) {
    std::string name = UniqueName("waited");
    RunDetached(name, {"/bin/sh", "-c", "trap 'exit 5' TERM; echo ready; while :; do sleep 0.1; done"});
    auto waiter = StartBerthctl({"wait", name});
    EXPECT_EQ(WaitForStatus(name, "running"), "running");
    EXPECT_EQ(::kill(waiter->Pid(), 0), 0) << "wait must block while the container runs: " << waiter->OutSoFar();
    CommandResult kill = Berthctl({"kill", name, "TERM"});
    ASSERT_EQ(kill.exit_code, 0) << Describe(kill);
    CommandResult waited = waiter->Wait();
    EXPECT_EQ(waited.exit_code, 5) << Describe(waited);
    EXPECT_EQ(waited.out, "5\n") << Describe(waited);
    // A stopped container answers at once, with the same code.
    CommandResult again = Berthctl({"wait", name});
    EXPECT_EQ(again.exit_code, 5) << Describe(again);
    EXPECT_EQ(again.out, "5\n");
    ASSERT_EQ(Berthctl({"rm", name}).exit_code, 0);
    CommandResult gone = Berthctl({"wait", name});
    EXPECT_NE(gone.exit_code, 0) << Describe(gone);
    EXPECT_NE(gone.err.find(name), std::string::npos) << Describe(gone);
}

TEST_F(LifecycleTest, StdinIsPipedToTheContainer) {
    CommandResult r = Berthctl({"run", "--rootfs", Rootfs(), "--name", UniqueName("stdin"), "--", "/bin/sh", "-c",
                                "tr a-z A-Z; echo done"},
                               "piped into the container\n");
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "PIPED INTO THE CONTAINER\ndone\n");
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, SignalsSentToBerthctlReachTheContainersInit) {
    auto run = StartBerthctl(
        {"run", "--rootfs", Rootfs(), "--name", UniqueName("signals"), "--", "/bin/sh", "-c",
         "for s in HUP INT QUIT USR1 USR2; do trap \"echo got-$s\" $s; done; trap 'echo got-TERM; exit 42' TERM; "
         "echo ready; while :; do sleep 0.05; done"});
    ASSERT_TRUE(run->WaitForOutput("ready")) << run->OutSoFar();
    for (auto [sig, name] : {std::pair{SIGHUP, "HUP"}, {SIGINT, "INT"}, {SIGQUIT, "QUIT"}, {SIGUSR1, "USR1"},
                             {SIGUSR2, "USR2"}}) {
        run->Signal(sig);
        EXPECT_TRUE(run->WaitForOutput(std::string("got-") + name + "\n")) << name << ": " << run->OutSoFar();
    }
    run->Signal(SIGTERM);
    CommandResult r = run->Wait();
    EXPECT_EQ(r.exit_code, 42) << Describe(r);
    EXPECT_NE(r.out.find("got-TERM"), std::string::npos) << Describe(r);
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, TerminalIsRelayed) {
    CommandResult r = Berthctl({"run", "--tty", "--rootfs", Rootfs(), "--name", UniqueName("tty"), "--", "/bin/sh",
                                "-c", "test -t 0 && test -t 1 && echo is-a-tty; exit 3"});
    EXPECT_EQ(r.exit_code, 3) << Describe(r);
    EXPECT_NE(r.out.find("is-a-tty"), std::string::npos) << Describe(r);
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, PipedInputReachesATerminalAndEndsWithEof) {
    CommandResult r = Berthctl({"run", "--tty", "--rootfs", Rootfs(), "--name", UniqueName("ttycat"), "--", "/bin/cat"},
                               "typed line\n");
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    // The terminal echoes the line, then cat prints it: twice, with the terminal's \r\n.
    EXPECT_EQ(r.out, "typed line\r\ntyped line\r\n") << Describe(r);
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, DetachedContainerThroughListStatePsKillAndRm) {
    std::string name = UniqueName("detached");
    RunDetached(name, kSleeper);

    std::string json = StateJson(name);
    EXPECT_EQ(JsonField(json, "id"), name) << json;
    EXPECT_EQ(JsonField(json, "status"), "running") << json;
    EXPECT_EQ(JsonField(json, "rootfs"), Rootfs()) << json;
    EXPECT_EQ(JsonField(json, "bundle"), Rootfs()) << json;
    EXPECT_EQ(JsonField(json, "driver"), "cgroupfs") << json;
    EXPECT_TRUE(std::regex_search(JsonField(json, "created"), std::regex("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d")))
        << json;
    pid_t pid = std::stoi(JsonField(json, "pid"));
    ASSERT_GT(pid, 0);
    // The recorded pid is the container's init: rooted in the rootfs, pid 1 of its own namespace.
    std::vector<pid_t> rooted_now = ProcessesRootedIn(Rootfs());
    EXPECT_EQ(std::count(rooted_now.begin(), rooted_now.end(), pid), 1);
    EXPECT_NE(ReadText("/proc/" + std::to_string(pid) + "/status").find("NSpid:\t" + std::to_string(pid) + "\t1\n"),
              std::string::npos);

    CommandResult list = Berthctl({"list"});
    ASSERT_EQ(list.exit_code, 0) << Describe(list);
    EXPECT_TRUE(std::regex_search(list.out, std::regex("\n" + name + " +" + std::to_string(pid) + " +running ")))
        << list.out;
    CommandResult list_json = Berthctl({"list", "--json"});
    EXPECT_EQ(JsonField(list_json.out, "id"), name) << list_json.out;

    CommandResult ps = Berthctl({"ps", name});
    ASSERT_EQ(ps.exit_code, 0) << Describe(ps);
    std::set<std::string> pids;
    for (const std::string& line : SplitLines(ps.out))
        pids.insert(line);
    EXPECT_TRUE(pids.count(std::to_string(pid))) << ps.out;
    std::vector<pid_t> rooted = ProcessesRootedIn(Rootfs());
    for (const std::string& p : pids) {
        // A short-lived `sleep` may have ended since ps read the cgroup.
        if (PathExistsForTest("/proc/" + p)) {
            EXPECT_TRUE(std::count(rooted.begin(), rooted.end(), std::stoi(p))) << "pid " << p << " not in the container";
        }
    }

    CommandResult rm = Berthctl({"rm", name});
    EXPECT_NE(rm.exit_code, 0) << Describe(rm);
    EXPECT_NE(rm.err.find("running"), std::string::npos) << Describe(rm);
    EXPECT_EQ(::kill(pid, 0), 0) << "rm without --force must leave the container running";
    EXPECT_EQ(JsonField(StateJson(name), "status"), "running");

    CommandResult kill = Berthctl({"kill", name, "TERM"});
    EXPECT_EQ(kill.exit_code, 0) << Describe(kill);
    EXPECT_EQ(WaitForStatus(name, "stopped"), "stopped");
    EXPECT_EQ(JsonField(StateJson(name), "pid"), "0");

    rm = Berthctl({"rm", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    CommandResult gone = Berthctl({"state", name});
    EXPECT_NE(gone.exit_code, 0);
    EXPECT_NE(gone.err.find("No such container"), std::string::npos) << Describe(gone);
    ExpectNothingLeftBehind();
}

// A detached container's stdout and stderr go to its log (LOG_DIR/NAME.log, no journal on this
// host), never to berthctl's: `out=$(berthctl run --detach ...)` returns while it runs. A monitor
// is the init's parent and records its exit code.
TEST_F(LifecycleTest, DetachedRunLogsItsOutputAndRecordsItsExitCode) {
    if (PathExistsForTest("/run/systemd/journal/socket"))
        GTEST_SKIP() << "a journal runs here: the output goes there, not to LOG_DIR/NAME.log";
    std::string name = UniqueName("logged");
    std::string log_dir = TempDir() + "/logs";
    std::vector<std::string> argv = {"/bin/sh", "-c", "out=$(\"$@\" 2>&1); echo \"rc=$? out=$out\"", "sh"};
    for (const std::string& arg :
         BerthctlArgv({"--log-dir", log_dir, "run", "--detach", "--rootfs", Rootfs(), "--name", name, "--",
                       "/bin/sh", "-c", "trap 'exit 3' TERM; echo out-line; echo err-line >&2; "
                       "while :; do sleep 0.1; done"}))
        argv.push_back(arg);
    // Before the fix this waited for the container's end (the safety timeout kills it).
    CommandResult r = RunCommand(argv, "", std::chrono::seconds(30));
    ASSERT_FALSE(r.timed_out) << "berthctl's stdout stayed open: the container holds it";
    EXPECT_EQ(r.out, "rc=0 out=\n") << Describe(r);
    EXPECT_EQ(JsonField(StateJson(name), "status"), "running");

    std::string log;
    for (int i = 0; i < 300 && log.find("err-line") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        log = ReadText(log_dir + "/" + name + ".log");
    }
    EXPECT_NE(log.find("out-line\n"), std::string::npos) << log;
    EXPECT_NE(log.find("err-line\n"), std::string::npos) << log;

    // The monitor is the init's parent, so the exit code reaches the state.
    pid_t pid = std::stoi(JsonField(StateJson(name), "pid"));
    std::string status = ReadText("/proc/" + std::to_string(pid) + "/status");
    std::smatch ppid;
    ASSERT_TRUE(std::regex_search(status, ppid, std::regex("\nPPid:\t([0-9]+)\n"))) << status;
    EXPECT_NE(ReadText("/proc/" + ppid[1].str() + "/cmdline").find("berthctl"), std::string::npos);
    ASSERT_EQ(Berthctl({"kill", name, "TERM"}).exit_code, 0);
    EXPECT_EQ(WaitForStatus(name, "stopped"), "stopped");
    std::string json;
    for (int i = 0; i < 300 && JsonField(json, "exit_code").empty(); ++i) {
        json = StateJson(name);
        if (JsonField(json, "exit_code").empty())
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(JsonField(json, "exit_code"), "3") << json;
    EXPECT_EQ(Berthctl({"rm", name}).exit_code, 0);
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, RmForceKillsARunningContainer) {
    std::string name = UniqueName("force");
    RunDetached(name, {"/bin/sleep", "1000"});
    pid_t pid = std::stoi(JsonField(StateJson(name), "pid"));
    CommandResult rm = Berthctl({"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    EXPECT_TRUE(ProcessEnded(pid));
    EXPECT_TRUE(ProcessesRootedIn(Rootfs()).empty());
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, KillAcceptsSignalNamesAndNumbersAndRejectsNonsense) {
    std::string name = UniqueName("sigs");
    RunDetached(name, {"/bin/sh", "-c", "trap 'echo hup' HUP; trap 'exit 0' USR1; while :; do sleep 0.05; done"});
    EXPECT_EQ(Berthctl({"kill", name, "HUP"}).exit_code, 0);
    EXPECT_EQ(Berthctl({"kill", name, "1"}).exit_code, 0);
    CommandResult bad = Berthctl({"kill", name, "SIGBOGUS"});
    EXPECT_EQ(bad.exit_code, 2) << Describe(bad);
    EXPECT_NE(bad.err.find("unknown signal 'SIGBOGUS'"), std::string::npos) << Describe(bad);
    EXPECT_EQ(Berthctl({"kill", name, "sigusr1"}).exit_code, 0);
    EXPECT_EQ(WaitForStatus(name, "stopped"), "stopped");
    CommandResult again = Berthctl({"kill", name});
    EXPECT_NE(again.exit_code, 0);
    EXPECT_NE(again.err.find("not running"), std::string::npos) << Describe(again);
}

TEST_F(LifecycleTest, ExecRunsInTheContainersNamespacesWithItsExitCode) {
    std::string name = UniqueName("exec");
    RunDetached(name, kSleeper);
    pid_t pid = std::stoi(JsonField(StateJson(name), "pid"));
    CommandResult r = Berthctl({"exec", name, "--", "/bin/sh", "-c",
                                "for ns in pid mnt net uts ipc; do readlink /proc/self/ns/$ns; done; exit 5"});
    EXPECT_EQ(r.exit_code, 5) << Describe(r);
    std::vector<std::string> expected = {NsLink(pid, "pid"), NsLink(pid, "mnt"), NsLink(pid, "net"),
                                         NsLink(pid, "uts"), NsLink(pid, "ipc")};
    EXPECT_EQ(SplitLines(r.out), expected) << Describe(r);
    // And not the host's.
    EXPECT_NE(NsLink(pid, "pid"), NsLink(::getpid(), "pid"));
    EXPECT_NE(NsLink(pid, "mnt"), NsLink(::getpid(), "mnt"));
}

TEST_F(LifecycleTest, ExecTakesEnvCwdAndStdin) {
    std::string name = UniqueName("execenv");
    RunDetached(name, kSleeper);
    CommandResult r = Berthctl({"exec", "--env", "GREETING=hello", "--cwd", "/tmp", name, "--", "/bin/sh", "-c",
                                "echo $GREETING; pwd; echo ${PATH:+has-path}; cat"},
                               "from stdin\n");
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "hello\n/tmp\nhas-path\nfrom stdin\n");
}

TEST_F(LifecycleTest, ExecInAStoppedOrMissingContainerFails) {
    CommandResult missing = Berthctl({"exec", UniqueName("nothere"), "--", "/bin/true"});
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.err.find("No such container"), std::string::npos) << Describe(missing);
    std::string name = UniqueName("stopped");
    RunDetached(name, {"/bin/true"});
    EXPECT_EQ(WaitForStatus(name, "stopped"), "stopped");
    CommandResult r = Berthctl({"exec", name, "--", "/bin/true"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("not running"), std::string::npos) << Describe(r);
}

TEST_F(LifecycleTest, ANameIsTakenUntilRemoved) {
    std::string name = UniqueName("dup");
    RunDetached(name, kSleeper);
    CommandResult r = Berthctl({"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--", "/bin/true"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("already exists"), std::string::npos) << Describe(r);
    EXPECT_EQ(JsonField(StateJson(name), "status"), "running");
}

TEST_F(LifecycleTest, RunsTheContainerDefinedInItsTomlFile) {
    std::string name = UniqueName("fromtoml");
    WriteContainerToml(name, "hostname = \"tomlhost\"\n[rootfs]\npath = \"" + Rootfs() +
                                 "\"\n[process]\nargs = [\"/bin/sh\", \"-c\", \"hostname; echo $FROM_TOML; exit 9\"]\n"
                                 "env = [\"FROM_TOML=yes\", \"PATH=/bin\"]\n");
    CommandResult r = Berthctl({"run", name});
    EXPECT_EQ(r.exit_code, 9) << Describe(r);
    EXPECT_EQ(r.out, "tomlhost\nyes\n");
    ExpectNothingLeftBehind();

    CommandResult missing = Berthctl({"run", UniqueName("notoml")});
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.err.find(".toml"), std::string::npos) << Describe(missing);
}

TEST_F(LifecycleTest, ConcurrentRunsOfDifferentContainers) {
    std::vector<std::string> names;
    std::vector<std::unique_ptr<RunningCommand>> runs;
    for (int i = 0; i < 4; ++i) {
        names.push_back(UniqueName("conc" + std::to_string(i)));
        runs.push_back(StartBerthctl({"run", "--rootfs", Rootfs(), "--name", names.back(), "--", "/bin/sh", "-c",
                                      "echo I am " + names.back() + "; exit " + std::to_string(10 + i)}));
    }
    for (int i = 0; i < 4; ++i) {
        CommandResult r = runs[static_cast<size_t>(i)]->Wait();
        EXPECT_EQ(r.exit_code, 10 + i) << Describe(r);
        EXPECT_EQ(r.out, "I am " + names[static_cast<size_t>(i)] + "\n") << Describe(r);
    }
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, ALockedContainerDoesNotBlockAnother) {
    std::string held = UniqueName("held");
    RunDetached(held, kSleeper);
    // Hold `held`'s lock as a slow operation (a checkpoint) would.
    int fd = ::open((StateDir() + "/" + held + "/.lock").c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX), 0);
    CommandResult other = Berthctl({"run", "--rootfs", Rootfs(), "--name", UniqueName("free"), "--", "/bin/true"});
    EXPECT_EQ(other.exit_code, 0) << Describe(other);
    CommandResult list = Berthctl({"list"});
    EXPECT_NE(list.out.find(held), std::string::npos) << Describe(list);
    // The locked one waits for the lock: rm returns only after it is released.
    auto rm = StartBerthctl({"rm", "--force", held});
    EXPECT_FALSE(rm->WaitForOutput("never printed", std::chrono::milliseconds(300)));
    EXPECT_TRUE(PathExistsForTest(StateDir() + "/" + held + "/state.toml"));
    ::close(fd);
    CommandResult removed = rm->Wait();
    EXPECT_EQ(removed.exit_code, 0) << Describe(removed);
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, CorruptStateIsReportedAndSkippedByList) {
    std::string good = UniqueName("good");
    RunDetached(good, kSleeper);
    std::string bad = UniqueName("bad");
    std::string bad_dir = StateDir() + "/" + bad;
    ASSERT_EQ(::mkdir(bad_dir.c_str(), 0700), 0);
    std::ofstream(bad_dir + "/state.toml") << "name = \"" << bad << "\"\npid = [broken\n";

    CommandResult list = Berthctl({"list"});
    EXPECT_EQ(list.exit_code, 0) << Describe(list);
    EXPECT_NE(list.out.find(good), std::string::npos) << Describe(list);
    EXPECT_EQ(list.out.find(bad), std::string::npos) << Describe(list);
    EXPECT_NE(list.err.find(bad_dir + "/state.toml"), std::string::npos) << Describe(list);

    CommandResult json = Berthctl({"list", "--json"});
    EXPECT_EQ(json.exit_code, 0) << Describe(json);
    EXPECT_EQ(json.out.find(bad), std::string::npos) << Describe(json);

    CommandResult state = Berthctl({"state", bad});
    EXPECT_NE(state.exit_code, 0);
    EXPECT_NE(state.err.find(bad_dir + "/state.toml"), std::string::npos) << Describe(state);

    CommandResult rm = Berthctl({"rm", bad});
    EXPECT_NE(rm.exit_code, 0) << "a corrupt state is only removed with --force";
    rm = Berthctl({"rm", "--force", bad});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    EXPECT_FALSE(PathExistsForTest(bad_dir));
}

// A full state dir (a small tmpfs, filled up): a run fails with a clear error and leaves nothing of
// itself (no state, cgroup or process); the container recorded before keeps running, listed and
// removable; once there is room again, the same name runs.
TEST_F(LifecycleTest, AFullStateDirIsAClearErrorAndLosesNothingElse) {
    ASSERT_EQ(::mount("berth-full", StateDir().c_str(), "tmpfs", 0, "size=256k,mode=0711"), 0) << strerror(errno);
    struct Unmount {
        std::string dir;
        ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
    } unmount{StateDir()};
    std::string keeper = UniqueName("keeper");
    RunDetached(keeper, kSleeper);
    // Fill every block: the writes stop at ENOSPC.
    RunCommand({"/bin/sh", "-c", "cat /dev/zero > " + StateDir() + "/.filler 2>/dev/null; true"});

    std::string victim = UniqueName("victim");
    CommandResult r = Berthctl({"run", "--detach", "--rootfs", Rootfs(), "--name", victim, "--", "/bin/sleep", "1000"});
    EXPECT_EQ(r.exit_code, 125) << Describe(r);
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << Describe(r);
    EXPECT_NE(r.err.find(StateDir() + "/" + victim), std::string::npos) << "the error names the file: " << Describe(r);
    EXPECT_FALSE(PathExistsForTest(StateDir() + "/" + victim)) << "a half-made container is left";
    EXPECT_TRUE(ProcessesInCgroupsContaining(victim).empty());
    EXPECT_TRUE(CgroupDirsContaining(victim).empty());

    EXPECT_EQ(JsonField(StateJson(keeper), "status"), "running");
    CommandResult list = Berthctl({"list"});
    EXPECT_NE(list.out.find(keeper), std::string::npos) << Describe(list);
    EXPECT_EQ(list.out.find(victim), std::string::npos) << Describe(list);

    ::unlink((StateDir() + "/.filler").c_str());
    RunDetached(victim, {"/bin/sleep", "1000"});
    for (const auto& name : {keeper, victim}) {
        CommandResult rm = Berthctl({"rm", "--force", name});
        EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    }
}

// Field 22 of /proc/PID/stat (start time in clock ticks since boot), "" if unreadable.
std::string StartTimeOf(pid_t pid) {
    std::string stat = ReadText("/proc/" + std::to_string(pid) + "/stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
    }
    return field;
}

TEST_F(LifecycleTest, AStalePidIsNeverTrusted) {
    std::string name = UniqueName("stale");
    RunDetached(name, kSleeper);
    // Point the record at an unrelated live process, as if the init had died and its pid been reused.
    std::string state_file = StateDir() + "/" + name + "/state.toml";
    std::string text = ReadText(state_file);
    std::smatch recorded;
    ASSERT_TRUE(std::regex_search(text, recorded, std::regex("\npid_start_time = ([0-9]+)\n"))) << text;
    // A reused pid has a later start time; started within the init's clock tick, the bystander would
    // be indistinguishable from it (start times count ticks), so start it again until it is not.
    auto bystander = std::make_unique<RunningCommand>(std::vector<std::string>{"/bin/sleep", "100"}, "");
    while (StartTimeOf(bystander->Pid()) == recorded[1].str()) {
        std::this_thread::sleep_for(20ms);
        bystander = std::make_unique<RunningCommand>(std::vector<std::string>{"/bin/sleep", "100"}, "");
    }
    text = std::regex_replace(text, std::regex("\npid = [0-9]+\n"), "\npid = " + std::to_string(bystander->Pid()) + "\n");
    std::ofstream(state_file) << text;

    std::string json = StateJson(name);
    EXPECT_EQ(JsonField(json, "status"), "stopped") << json;
    EXPECT_EQ(JsonField(json, "pid"), "0") << json;
    CommandResult kill = Berthctl({"kill", name, "KILL"});
    EXPECT_NE(kill.exit_code, 0) << Describe(kill);
    EXPECT_NE(kill.err.find("not running"), std::string::npos) << Describe(kill);
    CommandResult rm = Berthctl({"rm", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    EXPECT_EQ(::kill(bystander->Pid(), 0), 0) << "the bystander holding the reused pid must survive";
    EXPECT_FALSE(ProcessEnded(bystander->Pid()));
    ExpectNothingLeftBehind();  // rm removed the cgroup, and with it the real init
}

TEST_F(LifecycleTest, InvalidTomlIsReportedWithItsFileAndLeavesNothing) {
    std::string name = UniqueName("badtoml");
    WriteContainerToml(name, "[rootfs]\npath = \"" + Rootfs() + "\"\n[process]\nargs = \"not a list\"\n");
    CommandResult r = Berthctl({"run", name});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find(ConfigDir() + "/" + name + ".toml:"), std::string::npos) << Describe(r);
    EXPECT_NE(r.err.find("process.args"), std::string::npos) << Describe(r);
    ExpectNothingLeftBehind();
}

TEST_F(LifecycleTest, PauseAndResume) {
    std::string name = UniqueName("pause");
    RunDetached(name, kSleeper);
    CommandResult pause = Berthctl({"pause", name});
    ASSERT_EQ(pause.exit_code, 0) << Describe(pause);
    std::string json = StateJson(name);
    EXPECT_EQ(JsonField(json, "status"), "paused") << json;
    pid_t pid = std::stoi(JsonField(json, "pid"));
    EXPECT_NE(Berthctl({"pause", name}).exit_code, 0) << "pausing twice must fail";
    EXPECT_NE(Berthctl({"exec", name, "--", "/bin/true"}).exit_code, 0) << "exec into a paused container must fail";
    CommandResult resume = Berthctl({"resume", name});
    ASSERT_EQ(resume.exit_code, 0) << Describe(resume);
    EXPECT_EQ(JsonField(StateJson(name), "status"), "running");
    EXPECT_NE(Berthctl({"resume", name}).exit_code, 0) << "resuming a running container must fail";
    EXPECT_EQ(::kill(pid, 0), 0);
}

TEST_F(LifecycleTest, MemoryLimitFromRunAndUpdate) {
    std::string name = UniqueName("mem");
    CommandResult r = Berthctl({"run", "--detach", "--memory", "32M", "--rootfs", Rootfs(), "--name", name, "--",
                                kSleeper[0], kSleeper[1], kSleeper[2]});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::string memory_dir = JsonField(StateJson(name), "memory");
    if (memory_dir.empty())
        memory_dir = JsonField(StateJson(name), "unified");
    ASSERT_FALSE(memory_dir.empty()) << StateJson(name);
    std::string limit_file = PathExistsForTest(memory_dir + "/memory.limit_in_bytes") ? memory_dir + "/memory.limit_in_bytes"
                                                                                  : memory_dir + "/memory.max";
    EXPECT_EQ(ReadText(limit_file), std::to_string(32ull << 20) + "\n");

    CommandResult update = Berthctl({"update", name, "--memory", "64M"});
    ASSERT_EQ(update.exit_code, 0) << Describe(update);
    EXPECT_EQ(ReadText(limit_file), std::to_string(64ull << 20) + "\n");

    CommandResult stats = Berthctl({"stats", "--json", name});
    ASSERT_EQ(stats.exit_code, 0) << Describe(stats);
    EXPECT_EQ(JsonField(stats.out, "limit"), std::to_string(64ull << 20)) << stats.out;
    EXPECT_GT(std::stoll(JsonField(stats.out, "current")), 0) << stats.out;
    EXPECT_GT(std::stoll(JsonField(stats.out, "usage")), 0) << stats.out;
}

TEST_F(LifecycleTest, UsageErrorsExitWith2) {
    for (std::vector<std::string> args : {std::vector<std::string>{"run"},
                                          {"run", "--rootfs", "/"},
                                          {"run", "--detach", "--tty", "--rootfs", "/", "--", "/bin/true"},
                                          {"kill"},
                                          {"exec", "x"},
                                          {"rm"},
                                          {"update", "x"},
                                          {"list", "--bogus"}}) {
        CommandResult r = Berthctl(args);
        EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << Describe(r);
        EXPECT_NE(r.err.find("Usage: berthctl " + args[0]), std::string::npos) << Describe(r);
    }
    CommandResult r = Berthctl({"state", "../etc"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("Invalid container name"), std::string::npos) << Describe(r);
}

}  // namespace
}  // namespace berth::testing
