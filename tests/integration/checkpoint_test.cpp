// Checkpoint/restore through berthctl with the real CRIU: external netns (issue 6, runc's
// external-netns behaviour), the fallback to a fresh netns, cgroups, --leave-running, --name.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

#include "criu_probe.hpp"
#include "fixture.hpp"
#include "read_text.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

// Counts in memory and writes each value: a restart from scratch would start again at 1.
// The count is renamed into place: a dump between `>`'s truncation and the write would leave an empty file.
const char* kCounterScript =
    "i=0; while true; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; usleep 100000; done";

// RunCommand execs a path without searching PATH: let the shell find the tools.
CommandResult Tool(const std::vector<std::string>& argv) {
    std::string line = "exec";
    for (const std::string& arg : argv)
        line += " '" + arg + "'";
    return RunCommand({"/bin/sh", "-c", line});
}

// Why CRIU cannot be used here, or "" when it can (probed once).
std::string CriuUnusableReason() {
    static const std::string reason = testing::CriuUnusableReason(Tool);
    return reason;
}

std::string ReadLink(const std::string& path) {
    std::error_code error;
    return fs::read_symlink(path, error).string();
}

uint64_t Inode(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0)
        return 0;
    return st.st_ino;
}

// A named network namespace with a stand-in interface d0 (10.250.0.1/24); deleted on destruction.
class NamedNetns {
public:
    explicit NamedNetns(std::string name) : name_(std::move(name)) { Create(); }
    ~NamedNetns() { Delete(); }
    void Create() {
        CommandResult add = Tool({"ip", "netns", "add", name_});
        EXPECT_EQ(add.exit_code, 0) << Describe(add);
        // This kernel may lack the dummy link type: a bridge is an interface with no traffic too.
        if (Tool({"ip", "-n", name_, "link", "add", "d0", "type", "dummy"}).exit_code != 0) {
            CommandResult bridge = Tool({"ip", "-n", name_, "link", "add", "d0", "type", "bridge"});
            EXPECT_EQ(bridge.exit_code, 0) << Describe(bridge);
        }
        CommandResult addr = Tool({"ip", "-n", name_, "addr", "add", "10.250.0.1/24", "dev", "d0"});
        EXPECT_EQ(addr.exit_code, 0) << Describe(addr);
    }
    void Delete() { Tool({"ip", "netns", "del", name_}); }
    std::string Path() const { return "/run/netns/" + name_; }

private:
    std::string name_;
};

class CheckpointTest : public BerthFixture {
protected:
    void SetUp() override {
        BerthFixture::SetUp();
        if (IsSkipped())
            return;
        if (std::string reason = CriuUnusableReason(); !reason.empty())
            GTEST_SKIP() << "CRIU unusable: " << reason;
        MakePrivateRootfs();
    }

    std::string CountFile() const { return Rootfs() + "/tmp/count"; }
    long Count() const {
        std::string text = ReadText(CountFile());
        return text.empty() ? -1 : std::atol(text.c_str());
    }
    // Waits until the counter passes `above` (30 s safety limit, not a timing assertion).
    long WaitForCountAbove(long above) {
        for (int i = 0; i < 300; ++i) {
            long c = Count();
            if (c > above)
                return c;
            std::this_thread::sleep_for(100ms);
        }
        return Count();
    }

    void RunCounter(const std::string& name, const std::string& netns_path) {
        std::vector<std::string> args = {"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--memory", "64M"};
        if (!netns_path.empty()) {
            args.push_back("--netns");
            args.push_back(netns_path);
        }
        args.insert(args.end(), {"--", "/bin/sh", "-c", kCounterScript});
        CommandResult r = Berthctl(args);
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
        ASSERT_GT(WaitForCountAbove(3), 3) << "the counter never ran";
    }


    // Name and content of every file in the image directory: what "untouched" means.
    static std::map<std::string, size_t> ImageFingerprint(const std::string& dir) {
        std::map<std::string, size_t> files;
        for (const auto& entry : fs::directory_iterator(dir))
            files[entry.path().filename()] = std::hash<std::string>{}(ReadText(entry.path()));
        return files;
    }

    std::string ImageDir(const std::string& tag) const { return TempDir() + "/images-" + tag; }
};

TEST_F(CheckpointTest, ExternalNetnsRestoreContinuesCounterInSameNetnsAndCgroup) {
    NamedNetns netns("berth-test-" + std::to_string(::getpid()));
    std::string name = UniqueName("cp");
    RunCounter(name, netns.Path());
    pid_t original = Pid(name);
    ASSERT_GT(original, 0);
    ASSERT_EQ(Inode("/proc/" + std::to_string(original) + "/ns/net"), Inode(netns.Path()));

    CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir("1")});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    EXPECT_TRUE(fs::exists(ImageDir("1") + "/berth-checkpoint.toml"));
    EXPECT_TRUE(ProcessesRootedIn(Rootfs()).empty()) << "container processes survived the checkpoint";
    EXPECT_TRUE(CgroupDirsContaining(name).empty()) << "the cgroup survived the checkpoint";
    EXPECT_EQ(Status(name), "checkpointed") << StateJson(name);
    long stopped_at = Count();
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(Count(), stopped_at) << "the counter still runs after the checkpoint";

    CommandResult rs = Berthctl({"restore", name, "--image-path", ImageDir("1"), "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    EXPECT_EQ(Status(name), "running") << StateJson(name);
    pid_t restored = Pid(name);
    ASSERT_GT(restored, 0);
    long after = WaitForCountAbove(stopped_at);
    EXPECT_GT(after, stopped_at) << "the counter did not continue from " << stopped_at;

    EXPECT_EQ(Inode("/proc/" + std::to_string(restored) + "/ns/net"), Inode(netns.Path()));
    CommandResult addr = Tool({"nsenter", "-t", std::to_string(restored), "-n", "ip", "-o", "addr", "show", "d0"});
    EXPECT_NE(addr.out.find("10.250.0.1/24"), std::string::npos) << Describe(addr);

    std::string memory = MemoryCgroupOf(restored);
    ASSERT_FALSE(memory.empty());
    EXPECT_NE(memory.find(name), std::string::npos) << memory;
    EXPECT_EQ(ReadText(memory + "/memory.limit_in_bytes"), "67108864\n");

    CommandResult rm = Berthctl({"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    ExpectNothingLeftBehind();
}

TEST_F(CheckpointTest, MissingNetnsFailsNamingPathAndLeavesImagesUntouched) {
    NamedNetns netns("berth-test-" + std::to_string(::getpid()));
    std::string name = UniqueName("gone");
    RunCounter(name, netns.Path());
    CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir("1")});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    long stopped_at = Count();

    netns.Delete();
    auto before = ImageFingerprint(ImageDir("1"));
    CommandResult fail = Berthctl({"restore", name, "--image-path", ImageDir("1"), "--detach"});
    EXPECT_NE(fail.exit_code, 0) << Describe(fail);
    EXPECT_NE(fail.err.find(netns.Path()), std::string::npos) << Describe(fail);
    EXPECT_EQ(ImageFingerprint(ImageDir("1")), before) << "the failed restore changed the images";
    EXPECT_EQ(Status(name), "checkpointed");
    EXPECT_TRUE(CgroupDirsContaining(name).empty());
    EXPECT_TRUE(ProcessesRootedIn(Rootfs()).empty());

    netns.Create();
    CommandResult ok = Berthctl({"restore", name, "--image-path", ImageDir("1"), "--detach"});
    ASSERT_EQ(ok.exit_code, 0) << Describe(ok);
    pid_t restored = Pid(name);
    EXPECT_EQ(Inode("/proc/" + std::to_string(restored) + "/ns/net"), Inode(netns.Path()));
    EXPECT_GT(WaitForCountAbove(stopped_at), stopped_at);
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

TEST_F(CheckpointTest, WithoutNetnsPathRestoresIntoNewNetns) {
    std::string name = UniqueName("nonet");
    RunCounter(name, "");
    pid_t original = Pid(name);
    uint64_t original_netns = Inode("/proc/" + std::to_string(original) + "/ns/net");
    CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir("1")});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    long stopped_at = Count();
    CommandResult rs = Berthctl({"restore", name, "--image-path", ImageDir("1"), "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    pid_t restored = Pid(name);
    uint64_t restored_netns = Inode("/proc/" + std::to_string(restored) + "/ns/net");
    EXPECT_NE(restored_netns, 0u);
    EXPECT_NE(restored_netns, Inode("/proc/self/ns/net"));
    EXPECT_NE(restored_netns, original_netns);
    // Only lo was there: CRIU left the content out, and restore brought lo up again.
    EXPECT_NE(ReadText(ImageDir("1") + "/berth-checkpoint.toml").find("empty_netns = true"), std::string::npos);
    std::string net = "/proc/" + std::to_string(restored) + "/net/";
    EXPECT_NE(ReadText(net + "fib_trie").find("127.0.0.1"), std::string::npos) << "lo is not up";
    EXPECT_NE(ReadText(net + "if_inet6").find("00000000000000000000000000000001"), std::string::npos)
        << "lo has no ::1";
    EXPECT_GT(WaitForCountAbove(stopped_at), stopped_at);
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// Issue 18 item 2 for restore: a detached restored container's output goes to its log, never to
// berthctl's stdout (`out=$(berthctl restore --detach ...)` returns while it runs), and a monitor
// records its exit code.
TEST_F(CheckpointTest, DetachedRestoreLogsItsOutputAndRecordsItsExitCode) {
    if (fs::exists("/run/systemd/journal/socket"))
        GTEST_SKIP() << "a journal runs here: the output goes there, not to LOG_DIR/NAME.log";
    std::string name = UniqueName("rlog");
    std::string log_dir = TempDir() + "/logs";
    std::string log = log_dir + "/" + name + ".log";
    CommandResult run = Berthctl({"--log-dir", log_dir, "run", "--detach", "--rootfs", Rootfs(), "--name", name, "--",
                                  "/bin/sh", "-c",
                                  "trap 'exit 3' TERM; i=0; while :; do i=$((i+1)); echo out$i; echo err$i >&2; "
                                  "usleep 100000; done"});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    for (int i = 0; i < 300 && ReadText(log).find("err2") == std::string::npos; ++i)
        std::this_thread::sleep_for(20ms);
    CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir("1")});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    ASSERT_EQ(::unlink(log.c_str()), 0);  // what appears from now on is the restored container's

    std::vector<std::string> argv = {"/bin/sh", "-c", "out=$(\"$@\"); echo \"rc=$? out=$out\"", "sh"};
    for (const std::string& arg :
         BerthctlArgv({"--log-dir", log_dir, "restore", name, "--image-path", ImageDir("1"), "--detach"}))
        argv.push_back(arg);
    // Before the fix the restored container held the pipe: this waited for its end (it never ends).
    CommandResult r = RunCommand(argv, "", 60s);
    ASSERT_FALSE(r.timed_out) << "berthctl's stdout stayed open: the restored container holds it";
    EXPECT_EQ(r.out, "rc=0 out=\n") << Describe(r);
    EXPECT_EQ(Status(name), "running") << "the command returned, and the container still runs";

    std::string text;
    for (int i = 0; i < 300 && text.find("err") == std::string::npos; ++i) {
        std::this_thread::sleep_for(20ms);
        text = ReadText(log);
    }
    EXPECT_NE(text.find("out"), std::string::npos) << text;
    EXPECT_NE(text.find("err"), std::string::npos) << text;

    ASSERT_EQ(Berthctl({"kill", name, "TERM"}).exit_code, 0);
    std::string json;
    std::smatch code;
    for (int i = 0; i < 500 && !std::regex_search(json, code, std::regex(R"re("exit_code"\s*:\s*(\d+))re")); ++i) {
        std::this_thread::sleep_for(20ms);
        json = StateJson(name);
    }
    EXPECT_EQ(code.size() > 1 ? code[1].str() : "", "3") << json;
    EXPECT_EQ(Status(name), "stopped");
    EXPECT_EQ(Berthctl({"rm", name}).exit_code, 0);
    ExpectNothingLeftBehind();
}

TEST_F(CheckpointTest, NetnsWithMoreThanLoopbackIsDumpedAndRestoredWithIt) {
    std::string name = UniqueName("netaddr");
    RunCounter(name, "");
    pid_t original = Pid(name);
    // Added from the host: the container itself lacks CAP_NET_ADMIN.
    CommandResult add = Tool({"nsenter", "-t", std::to_string(original), "-n", "ip", "addr", "add", "10.251.0.7/32",
                              "dev", "lo"});
    ASSERT_EQ(add.exit_code, 0) << Describe(add);
    CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir("1")});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    EXPECT_EQ(ReadText(ImageDir("1") + "/berth-checkpoint.toml").find("empty_netns"), std::string::npos);
    long stopped_at = Count();
    CommandResult rs = Berthctl({"restore", name, "--image-path", ImageDir("1"), "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    pid_t restored = Pid(name);
    EXPECT_NE(Inode("/proc/" + std::to_string(restored) + "/ns/net"), Inode("/proc/self/ns/net"));
    EXPECT_NE(ReadText("/proc/" + std::to_string(restored) + "/net/fib_trie").find("10.251.0.7"), std::string::npos)
        << "the added address was not restored";
    EXPECT_GT(WaitForCountAbove(stopped_at), stopped_at);
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

TEST_F(CheckpointTest, LeaveRunningKeepsOriginalAndRestoreUnderNewNameRunsBeside) {
    NamedNetns netns("berth-test-" + std::to_string(::getpid()));
    std::string name = UniqueName("orig");
    std::string copy = UniqueName("copy");
    RunCounter(name, netns.Path());
    pid_t original = Pid(name);
    CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir("1"), "--leave-running"});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    EXPECT_EQ(Status(name), "running");
    EXPECT_EQ(Pid(name), original);
    EXPECT_EQ(::kill(original, 0), 0) << "the original stopped";
    long now = Count();
    EXPECT_GT(WaitForCountAbove(now), now) << "the original's counter stopped";

    CommandResult same = Berthctl({"restore", name, "--image-path", ImageDir("1"), "--detach"});
    EXPECT_NE(same.exit_code, 0) << "restored over a running container: " << Describe(same);

    CommandResult rs = Berthctl({"restore", name, "--image-path", ImageDir("1"), "--name", copy, "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    pid_t restored = Pid(copy);
    EXPECT_EQ(Status(copy), "running");
    EXPECT_EQ(Status(name), "running");
    EXPECT_NE(restored, original);
    EXPECT_EQ(Inode("/proc/" + std::to_string(restored) + "/ns/net"), Inode(netns.Path()));
    EXPECT_NE(MemoryCgroupOf(restored), MemoryCgroupOf(original));
    EXPECT_NE(MemoryCgroupOf(restored).find(copy), std::string::npos);
    Berthctl({"rm", "--force", copy});
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

TEST_F(CheckpointTest, CheckpointRestoreTwiceInARow) {
    NamedNetns netns("berth-test-" + std::to_string(::getpid()));
    std::string name = UniqueName("twice");
    RunCounter(name, netns.Path());
    long last = 0;
    for (const char* round : {"1", "2"}) {
        CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir(round)});
        ASSERT_EQ(cp.exit_code, 0) << "round " << round << ": " << Describe(cp);
        EXPECT_EQ(Status(name), "checkpointed");
        long stopped_at = Count();
        // Never back: the dump may come before the next tick after `last`, so equal is fine.
        EXPECT_GE(stopped_at, last);
        EXPECT_GT(stopped_at, 0);
        CommandResult rs = Berthctl({"restore", name, "--image-path", ImageDir(round), "--detach"});
        ASSERT_EQ(rs.exit_code, 0) << "round " << round << ": " << Describe(rs);
        EXPECT_EQ(Inode("/proc/" + std::to_string(Pid(name)) + "/ns/net"), Inode(netns.Path()));
        last = WaitForCountAbove(stopped_at);
        EXPECT_GT(last, stopped_at) << "round " << round;
    }
    // The restored container is managed like any other: pause/resume work on it.
    EXPECT_EQ(Berthctl({"pause", name}).exit_code, 0);
    EXPECT_EQ(Status(name), "paused");
    EXPECT_EQ(Berthctl({"resume", name}).exit_code, 0);
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// The host pid of the container process whose command line is exactly argv (a unique marker argument).
pid_t FindProcess(const std::vector<pid_t>& candidates, const std::vector<std::string>& argv) {
    std::string wanted;
    for (const std::string& arg : argv)
        wanted += arg + std::string(1, '\0');
    for (pid_t pid : candidates)
        if (ReadText("/proc/" + std::to_string(pid) + "/cmdline") == wanted)
            return pid;
    return 0;
}

TEST_F(CheckpointTest, TerminalContainerKeepsAWorkingPtyAcrossCheckpointAndRestore) {
    std::string name = UniqueName("tty");
    // Reads lines from its terminal and answers each; a ^D (our stdin's EOF) does not end it.
    const char* echo_loop = "echo ready; while :; do if read l; then echo got:$l; else sleep 0.1; fi; done";
    auto run = StartBerthctl({"run", "-t", "--rootfs", Rootfs(), "--name", name, "--", "/bin/sh", "-c", echo_loop},
                             "before\n");
    ASSERT_TRUE(run->WaitForOutput("got:before")) << run->OutSoFar();
    pid_t original = Pid(name);
    ASSERT_GT(original, 0);
    std::string original_tty = ReadLink("/proc/" + std::to_string(original) + "/fd/0");
    ASSERT_EQ(original_tty.rfind("/dev/pts/", 0), 0u) << original_tty;

    CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir("1")});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    EXPECT_EQ(Status(name), "checkpointed");
    run->Wait();

    // In the foreground, berthctl gets CRIU's new pty master (orphan-pts-master) and relays it.
    auto restore = StartBerthctl({"restore", name, "--image-path", ImageDir("1")}, "after\n");
    ASSERT_TRUE(restore->WaitForOutput("got:after")) << restore->OutSoFar();
    pid_t restored = Pid(name);
    ASSERT_GT(restored, 0);
    EXPECT_EQ(Status(name), "running");
    std::string restored_tty = ReadLink("/proc/" + std::to_string(restored) + "/fd/0");
    EXPECT_EQ(restored_tty.rfind("/dev/pts/", 0), 0u) << restored_tty;
    // The restored shell still has the terminal as its controlling tty (a session leader's tty).
    std::string stat = ReadText("/proc/" + std::to_string(restored) + "/stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string state, ppid, pgrp, session, tty_nr;
    fields >> state >> ppid >> pgrp >> session >> tty_nr;
    EXPECT_NE(tty_nr, "0") << stat;

    CommandResult rm = Berthctl({"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    restore->Wait();
    ExpectNothingLeftBehind();
}

// Each entry of a directory (not below mounts): name, type and mode, owner, device, link target.
std::string DescribeTree(const std::string& dir) {
    std::ostringstream out;
    for (const auto& entry : fs::directory_iterator(dir)) {
        struct stat st{};
        if (::lstat(entry.path().c_str(), &st) != 0)
            continue;
        out << entry.path().filename().string() << " " << std::oct << st.st_mode << std::dec << " " << st.st_uid << ":"
            << st.st_gid << " " << (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? st.st_rdev : 0);
        if (S_ISLNK(st.st_mode))
            out << " -> " << fs::read_symlink(entry.path()).string();
        out << "\n";
    }
    std::istringstream lines(out.str());
    std::vector<std::string> sorted;
    for (std::string line; std::getline(lines, line);)
        sorted.push_back(line);
    std::sort(sorted.begin(), sorted.end());
    std::string joined;
    for (const std::string& line : sorted)
        joined += line + "\n";
    return joined;
}

bool HasImageStartingWith(const std::string& dir, const std::string& prefix) {
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().filename().string().rfind(prefix, 0) == 0)
            return true;
    return false;
}

TEST_F(CheckpointTest, DevIsRebuiltWithoutAnArchiveUnlessItHoldsFileData) {
    std::string name = UniqueName("dev");
    RunCounter(name, "");
    std::string dev_before = DescribeTree("/proc/" + std::to_string(Pid(name)) + "/root/dev");
    ASSERT_NE(dev_before.find("null "), std::string::npos) << dev_before;
    CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir("1")});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    // Device nodes, symlinks and mount points only: Berth lists them, CRIU archives nothing.
    EXPECT_FALSE(HasImageStartingWith(ImageDir("1"), "tmpfs-dev")) << "/dev was archived by CRIU";
    CommandResult rs = Berthctl({"restore", name, "--image-path", ImageDir("1"), "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    EXPECT_EQ(DescribeTree("/proc/" + std::to_string(Pid(name)) + "/root/dev"), dev_before);
    CommandResult use = Berthctl({"exec", name, "--", "/bin/sh", "-c", "echo x > /dev/null && head -c 3 /dev/zero | wc -c"});
    EXPECT_EQ(use.out, "3\n") << Describe(use);

    // A file with data in /dev: CRIU archives the tmpfs again, and the data comes back.
    CommandResult write = Berthctl({"exec", name, "--", "/bin/sh", "-c", "echo kept > /dev/keep"});
    ASSERT_EQ(write.exit_code, 0) << Describe(write);
    CommandResult cp2 = Berthctl({"checkpoint", name, "--image-path", ImageDir("2")});
    ASSERT_EQ(cp2.exit_code, 0) << Describe(cp2);
    EXPECT_TRUE(HasImageStartingWith(ImageDir("2"), "tmpfs-dev")) << "/dev with data was not archived";
    CommandResult rs2 = Berthctl({"restore", name, "--image-path", ImageDir("2"), "--detach"});
    ASSERT_EQ(rs2.exit_code, 0) << Describe(rs2);
    EXPECT_EQ(ReadText("/proc/" + std::to_string(Pid(name)) + "/root/dev/keep"), "kept\n");
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

TEST_F(CheckpointTest, ExecJoinsTheRestoredContainersNamespacesAndCgroup) {
    NamedNetns netns("berth-test-" + std::to_string(::getpid()));
    std::string name = UniqueName("exec");
    RunCounter(name, netns.Path());
    CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir("1")});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    CommandResult rs = Berthctl({"restore", name, "--image-path", ImageDir("1"), "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    pid_t init = Pid(name);
    ASSERT_GT(init, 0);
    // /dev/shm was empty: no archive of it, a fresh tmpfs with the same flags that takes writes.
    std::smatch shm;
    std::string mountinfo = ReadText("/proc/" + std::to_string(init) + "/mountinfo");
    ASSERT_TRUE(std::regex_search(mountinfo, shm, std::regex(R"re( /dev/shm (\S+) .*- (\S+) )re"))) << mountinfo;
    EXPECT_NE(shm[1].str().find("nosuid,nodev,noexec"), std::string::npos) << shm[0];
    EXPECT_EQ(shm[2].str(), "tmpfs") << shm[0];
    CommandResult write = Berthctl({"exec", name, "--", "/bin/sh", "-c", "echo shm-ok > /dev/shm/probe; cat /dev/shm/probe"});
    EXPECT_EQ(write.out, "shm-ok\n") << Describe(write);

    const std::vector<std::string> marker = {"/bin/sleep", "3007"};
    std::vector<std::string> exec_args = {"exec", name, "--"};
    exec_args.insert(exec_args.end(), marker.begin(), marker.end());
    auto exec = StartBerthctl(exec_args);
    pid_t joined = 0;
    for (int i = 0; i < 300 && joined == 0; ++i, std::this_thread::sleep_for(100ms))
        joined = FindProcess(ProcessesRootedIn(Rootfs()), marker);
    ASSERT_GT(joined, 0) << "the exec'd process never showed up in the container";
    for (const char* ns : {"mnt", "uts", "ipc", "pid", "net", "cgroup", "user"}) {
        std::string suffix = std::string("/ns/") + ns;
        EXPECT_EQ(Inode("/proc/" + std::to_string(joined) + suffix), Inode("/proc/" + std::to_string(init) + suffix))
            << ns;
    }
    EXPECT_EQ(Inode("/proc/" + std::to_string(joined) + "/ns/net"), Inode(netns.Path()));
    EXPECT_EQ(ReadText("/proc/" + std::to_string(joined) + "/cgroup"), ReadText("/proc/" + std::to_string(init) + "/cgroup"));
    EXPECT_NE(MemoryCgroupOf(joined).find(name), std::string::npos) << MemoryCgroupOf(joined);

    CommandResult rm = Berthctl({"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    exec->Wait();
    ExpectNothingLeftBehind();
}

// Whether this kernel tracks dirty memory, which CRIU's pre-copy needs (soft-dirty bits).
bool MemoryTracked() {
    static const bool tracked = Tool({"criu", "check", "--feature", "mem_dirty_track"}).exit_code == 0;
    return tracked;
}

TEST_F(CheckpointTest, PreDumpWithoutMemoryTrackingFailsClearlyAndTheContainerRuns) {
    if (MemoryTracked())
        GTEST_SKIP() << "this kernel tracks dirty memory: PreDumpsThenDumpOnTopRestore covers pre-copy";
    std::string name = UniqueName("nopre");
    RunCounter(name, "");
    pid_t pid = Pid(name);
    for (std::vector<std::string> args : {std::vector<std::string>{"--pre-dump"},
                                          std::vector<std::string>{"--parent-path", TempDir()}}) {
        args.insert(args.begin(), {"checkpoint", name, "--image-path", ImageDir("pre")});
        CommandResult pre = Berthctl(args);
        EXPECT_NE(pre.exit_code, 0) << Describe(pre);
        EXPECT_NE(pre.err.find("does not track dirty memory"), std::string::npos) << Describe(pre);
        EXPECT_NE(pre.err.find("mem_dirty_track"), std::string::npos) << Describe(pre);
        EXPECT_FALSE(fs::exists(ImageDir("pre") + "/berth-checkpoint.toml"));
        EXPECT_EQ(Status(name), "running");
        EXPECT_EQ(Pid(name), pid);
        long now = Count();
        EXPECT_GT(WaitForCountAbove(now), now) << "the counter stopped";
    }
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

TEST_F(CheckpointTest, PreDumpsThenDumpOnTopRestore) {
    if (!MemoryTracked())
        GTEST_SKIP() << "this kernel does not track dirty memory (criu check --feature mem_dirty_track fails)";
    std::string name = UniqueName("pre");
    RunCounter(name, "");
    pid_t pid = Pid(name);
    CommandResult pre1 = Berthctl({"checkpoint", name, "--pre-dump", "--image-path", ImageDir("1")});
    ASSERT_EQ(pre1.exit_code, 0) << Describe(pre1);
    EXPECT_EQ(Status(name), "running");
    EXPECT_EQ(Pid(name), pid);
    long now = Count();
    EXPECT_GT(WaitForCountAbove(now), now) << "the counter stopped after the pre-dump";
    EXPECT_FALSE(fs::exists(ImageDir("1") + "/berth-checkpoint.toml")) << "a pre-dump is not restorable";
    CommandResult pre2 =
        Berthctl({"checkpoint", name, "--pre-dump", "--parent-path", ImageDir("1"), "--image-path", ImageDir("2")});
    ASSERT_EQ(pre2.exit_code, 0) << Describe(pre2);
    CommandResult cp = Berthctl({"checkpoint", name, "--parent-path", ImageDir("2"), "--image-path", ImageDir("3")});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    EXPECT_EQ(Status(name), "checkpointed");
    EXPECT_EQ(ReadLink(ImageDir("3") + "/parent"), "../images-2");
    EXPECT_NE(ReadText(ImageDir("3") + "/berth-checkpoint.toml").find("parent = \"../images-2\""), std::string::npos);
    long stopped_at = Count();
    CommandResult rs = Berthctl({"restore", name, "--image-path", ImageDir("3"), "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    EXPECT_GT(WaitForCountAbove(stopped_at), stopped_at);
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

TEST_F(CheckpointTest, ExportImportRoundTripsIntoTheGivenNetnsThenOneOfTheSameName) {
    NamedNetns source("berth-test-" + std::to_string(::getpid()));
    NamedNetns target("berth-test-" + std::to_string(::getpid()) + "-b");
    std::string name = UniqueName("exp");
    std::string copy = UniqueName("imp");
    RunCounter(name, source.Path());
    std::string zst = TempDir() + "/web.tar.zst";
    CommandResult cp = Berthctl({"checkpoint", name, "--export", zst});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    EXPECT_EQ(Status(name), "checkpointed");
    EXPECT_TRUE(ProcessesRootedIn(Rootfs()).empty());
    long stopped_at = Count();
    // zstd's frame magic: the name asked for compression.
    EXPECT_EQ(ReadText(zst).substr(0, 4), std::string("\x28\xb5\x2f\xfd", 4));

    CommandResult rs = Berthctl({"restore", "--import", zst, "--name", copy, "--netns", target.Path(), "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    EXPECT_EQ(Status(copy), "running");
    pid_t restored = Pid(copy);
    EXPECT_EQ(Inode("/proc/" + std::to_string(restored) + "/ns/net"), Inode(target.Path()));
    EXPECT_NE(StateJson(copy).find(target.Path()), std::string::npos) << StateJson(copy);
    long after = WaitForCountAbove(stopped_at);
    EXPECT_GT(after, stopped_at) << "the counter did not continue";
    EXPECT_NE(MemoryCgroupOf(restored).find(copy), std::string::npos);

    // A plain tar, imported without --netns: the netns of the same name (here the target's again).
    std::string tar = TempDir() + "/web.tar";
    CommandResult cp2 = Berthctl({"checkpoint", copy, "--export", tar});
    ASSERT_EQ(cp2.exit_code, 0) << Describe(cp2);
    EXPECT_EQ(ReadText(tar).substr(0, 18), "berth-archive.toml");
    long stopped_again = Count();
    Berthctl({"rm", copy});
    CommandResult rs2 = Berthctl({"restore", "--import", tar, "--detach"});
    ASSERT_EQ(rs2.exit_code, 0) << Describe(rs2);
    EXPECT_EQ(Inode("/proc/" + std::to_string(Pid(copy)) + "/ns/net"), Inode(target.Path()));
    EXPECT_GT(WaitForCountAbove(stopped_again), stopped_again);
    Berthctl({"rm", "--force", copy});
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// Issue 17 item 1: the archive carries what the container changed in its writable rootfs; an
// import onto a fresh copy of the rootfs (another host's) applies it before CRIU restores.
TEST_F(CheckpointTest, ExportCarriesTheRootfsChangesOntoAFreshRootfsCopy) {
    std::ofstream(Rootfs() + "/etc/doomed") << "deleted by the container\n";
    const std::string pristine = TempDir() + "/pristine";
    CommandResult copy = Tool({"cp", "-a", Rootfs(), pristine});
    ASSERT_EQ(copy.exit_code, 0) << Describe(copy);
    std::string name = UniqueName("diff");
    CommandResult run = Berthctl({"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--", "/bin/sh", "-c",
                                  std::string("echo migrated > /etc/written; rm /etc/doomed; mkdir -p /var/new; "
                                              "ln -s ../../etc/written /var/new/link; ") + kCounterScript});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    ASSERT_GT(WaitForCountAbove(3), 3) << "the counter never ran";
    std::string tar = TempDir() + "/diff.tar.zst";
    CommandResult cp = Berthctl({"checkpoint", name, "--export", tar});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    long stopped_at = Count();

    // The other host: the rootfs as it was before the container ran.
    fs::remove_all(Rootfs());
    CommandResult fresh = Tool({"cp", "-a", pristine, Rootfs()});
    ASSERT_EQ(fresh.exit_code, 0) << Describe(fresh);
    ASSERT_TRUE(fs::exists(Rootfs() + "/etc/doomed"));
    ASSERT_FALSE(fs::exists(Rootfs() + "/etc/written"));
    Berthctl({"rm", name});

    CommandResult rs = Berthctl({"restore", "--import", tar, "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    EXPECT_EQ(ReadText(Rootfs() + "/etc/written"), "migrated\n");
    EXPECT_FALSE(fs::exists(Rootfs() + "/etc/doomed")) << "the file the container deleted came back";
    EXPECT_EQ(ReadLink(Rootfs() + "/var/new/link"), "../../etc/written");
    EXPECT_EQ(ReadText(Rootfs() + "/bin/busybox"), ReadText(pristine + "/bin/busybox"));
    EXPECT_EQ(Status(name), "running");
    EXPECT_GT(WaitForCountAbove(stopped_at), stopped_at) << "the counter did not continue from its rootfs file";

    // Exported again from here: the changes are still those against the original rootfs.
    std::string again = TempDir() + "/again.tar";
    CommandResult cp2 = Berthctl({"checkpoint", name, "--export", again});
    ASSERT_EQ(cp2.exit_code, 0) << Describe(cp2);
    fs::remove_all(Rootfs());
    ASSERT_EQ(Tool({"cp", "-a", pristine, Rootfs()}).exit_code, 0);
    Berthctl({"rm", name});
    CommandResult rs2 = Berthctl({"restore", "--import", again, "--detach"});
    ASSERT_EQ(rs2.exit_code, 0) << Describe(rs2);
    EXPECT_EQ(ReadText(Rootfs() + "/etc/written"), "migrated\n");
    EXPECT_FALSE(fs::exists(Rootfs() + "/etc/doomed"));
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// FNV-1a 64 as the archive's manifest records it ("fnv1a64 = '...'").
std::string Fnv1a64Hex(const std::string& data) {
    uint64_t value = 0xcbf29ce484222325ULL;
    for (unsigned char c : data)
        value = (value ^ c) * 0x100000001b3ULL;
    char text[17];
    std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
    return text;
}

// The archive with images/cpuinfo.img claiming a CPU of unknown vendor, its manifest's checksum
// updated to match (in place: the tar stays valid, only the check on this host can refuse it).
std::string WithForeignCpu(std::string data) {
    size_t header = data.find(std::string("images/cpuinfo.img\0", 19));  // the tar header, not the manifest's line
    size_t at = header + 512 + 15;  // image magic, size, x86_entry tag and length, vendor_id tag
    EXPECT_NE(header, std::string::npos);
    EXPECT_EQ(data[at - 1], '\x08') << "not cpuinfo's vendor_id field";
    std::smatch m;
    std::string manifest = data.substr(512, 8192);
    std::regex entry(R"re(fnv1a64 = '([0-9a-f]{16})'\s*name = 'images/cpuinfo.img'\s*size = (\d+))re");
    EXPECT_TRUE(std::regex_search(manifest, m, entry)) << manifest;
    size_t size = std::stoul(m[2]);
    std::string before = Fnv1a64Hex(data.substr(header + 512, size));
    EXPECT_EQ(before, m[1].str());
    data[at] = 0;  // CPUINFO_X86_ENTRY__VENDOR__UNKNOWN
    std::string after = Fnv1a64Hex(data.substr(header + 512, size));
    data.replace(512 + static_cast<size_t>(m.position(1)), 16, after);
    return data;
}

// A tar whose first member is berth-archive.toml with this content (made with the system tar).
std::string HandMadeArchive(const std::string& dir, const std::string& manifest) {
    fs::create_directories(dir);
    std::ofstream(dir + "/berth-archive.toml") << manifest;
    CommandResult tar = Tool({"tar", "-C", dir, "-cf", dir + ".tar", "berth-archive.toml"});
    EXPECT_EQ(tar.exit_code, 0) << Describe(tar);
    return dir + ".tar";
}

TEST_F(CheckpointTest, ImportRefusesBadArchivesAndMissingNetnsBeforeAnythingStarts) {
    NamedNetns netns("berth-test-" + std::to_string(::getpid()));
    std::string name = UniqueName("src");
    RunCounter(name, netns.Path());
    std::string tar = TempDir() + "/good.tar";
    CommandResult cp = Berthctl({"checkpoint", name, "--export", tar, "--leave-running"});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    EXPECT_EQ(Status(name), "running");

    std::string data = ReadText(tar);
    std::string flipped = data;
    // Inside the pages image (its data follows its 512-byte header): the tar stays valid, the content does not.
    size_t pages = data.find(std::string("images/pages-1.img\0", 19));  // the tar header, not the manifest's line
    ASSERT_NE(pages, std::string::npos);
    ASSERT_LT(pages + 512 + 200, data.size());
    flipped[pages + 512 + 200] = static_cast<char>(flipped[pages + 512 + 200] ^ 0x5a);
    std::ofstream(TempDir() + "/flipped.tar", std::ios::binary) << flipped;
    std::ofstream(TempDir() + "/truncated.tar", std::ios::binary) << data.substr(0, data.size() / 2);
    std::ofstream(TempDir() + "/foreign-cpu.tar", std::ios::binary) << WithForeignCpu(data);
    // Dumped by a CRIU 9.x (same length: the tar stays valid).
    std::string newer = data;
    size_t major = newer.find("major = 4");
    ASSERT_NE(major, std::string::npos) << "the manifest names no CRIU 4.x";
    newer[major + 8] = '9';
    std::ofstream(TempDir() + "/newer-criu.tar", std::ios::binary) << newer;
    struct Case {
        std::vector<std::string> args;
        std::string expected;  // in the error
    };
    const std::string missing = "/run/netns/berth-test-missing-" + std::to_string(::getpid());
    std::vector<Case> cases = {
        {{"--import", tar, "--netns", missing}, missing + " is not available"},
        {{"--import", TempDir() + "/flipped.tar"}, "corrupted"},
        {{"--import", TempDir() + "/truncated.tar"}, "runcated"},
        {{"--import", HandMadeArchive(TempDir() + "/future", "format = 99\ncontainer = 'x'\n")},
         "archive format 99 is not supported (this berthctl reads format 2; update Berth)"},
        {{"--import", HandMadeArchive(TempDir() + "/old", "format = 1\ncontainer = 'x'\n")},
         "archive format 1 is not supported (this berthctl reads format 2; export it again"},
        {{"--import", TempDir() + "/foreign-cpu.tar"},
         "this host's CPU cannot run the checkpoint's process (criu cpuinfo check: cpu: Unknown cpu vendor 0)"},
        {{"--import", TempDir() + "/newer-criu.tar"}, "it was dumped by CRIU 9.2"},
        {{"--import", TempDir() + "/none.tar"}, "none.tar"},
    };
    std::string work = TempDir() + "/work";
    fs::create_directories(work);
    for (const Case& c : cases) {
        std::string copy = UniqueName("bad");
        std::vector<std::string> args = {"restore", "--name", copy, "--work-path", work, "--detach"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        auto before = ReadText(c.args[1]);
        CommandResult rs = Berthctl(args);
        EXPECT_NE(rs.exit_code, 0) << Describe(rs);
        EXPECT_NE(rs.err.find(c.expected), std::string::npos) << Describe(rs);
        EXPECT_NE(Berthctl({"state", copy}).exit_code, 0) << "a state was left for " << copy;
        EXPECT_TRUE(CgroupDirsContaining(copy).empty());
        EXPECT_EQ(ReadText(c.args[1]), before) << "the archive changed";
        EXPECT_TRUE(fs::is_empty(work)) << "the extracted images were left in " << work;
    }
    EXPECT_EQ(Status(name), "running");
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// Two stand-in hosts on this machine: network namespaces A and B joined by a veth pair
// (10.99.17.1 and .2), each running its own berthctl (nsenter --net) with its own state dir. The
// container's network namespace is W on A and W2 on B; a client namespace C reaches it over a veth
// whose container end moves from W to W2 with the migration (as the service address would follow).
class StandInHosts {
public:
    explicit StandInHosts(const std::string& tag) : tag_(tag) {
        for (const char* ns : {"a", "b", "w", "w2", "c"})
            Ip({"netns", "add", Ns(ns)});
        Ip({"link", "add", "va", "netns", Ns("a"), "type", "veth", "peer", "name", "vb", "netns", Ns("b")});
        Ip({"link", "add", "vw", "netns", Ns("w"), "type", "veth", "peer", "name", "vc", "netns", Ns("c")});
        Address("a", "va", "10.99.17.1/24");
        Address("b", "vb", "10.99.17.2/24");
        Address("w", "vw", "10.98.17.10/24");
        Address("c", "vc", "10.98.17.20/24");
    }
    ~StandInHosts() {
        for (const char* ns : {"a", "b", "w", "w2", "c"})
            Tool({"ip", "netns", "del", Ns(ns)});
    }
    std::string Ns(const std::string& which) const { return tag_ + which; }
    std::string Path(const std::string& which) const { return "/run/netns/" + Ns(which); }
    // The container's address moves with it: the veth end from W to W2.
    void MoveServiceAddress() {
        Ip({"-n", Ns("w"), "link", "set", "vw", "netns", Ns("w2")});
        Address("w2", "vw", "10.98.17.10/24");
    }

private:
    void Ip(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"ip"};
        argv.insert(argv.end(), args.begin(), args.end());
        CommandResult r = Tool(argv);
        EXPECT_EQ(r.exit_code, 0) << Describe(r);
    }
    void Address(const std::string& ns, const std::string& dev, const std::string& cidr) {
        Ip({"-n", Ns(ns), "addr", "add", cidr, "dev", dev});
        Ip({"-n", Ns(ns), "link", "set", dev, "up"});
        Ip({"-n", Ns(ns), "link", "set", "lo", "up"});
    }
    std::string tag_;
};

TEST_F(CheckpointTest, MigrationThroughThePageServerKeepsAnEstablishedTcpConnection) {
    StandInHosts hosts("bm" + std::to_string(::getpid() % 100000));
    const std::string state_b = TempDir() + "/state-b";
    auto on = [&](const std::string& host, std::vector<std::string> args) {
        if (host == "b")
            args.insert(args.begin(), {"--state-dir", state_b});
        std::vector<std::string> argv = BerthctlArgv(args);
        argv.insert(argv.begin(), {"nsenter", "--net=" + hosts.Path(host)});
        return Tool(argv);
    };
    std::string name = UniqueName("mig");
    // An echo server: each line the client sends on its one connection comes back.
    CommandResult run = on("a", {"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--netns", hosts.Path("w"),
                                 "--", "/bin/nc", "-l", "-p", "8080", "-e", "/bin/cat"});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    // Until it listens (30 s safety limit, not a timing assertion).
    for (int i = 0; i < 300; ++i, std::this_thread::sleep_for(100ms))
        if (Tool({"nsenter", "--net=" + hosts.Path("w"), "ss", "-Hltn", "sport", "=", ":8080"}).out.find("8080") !=
            std::string::npos)
            break;
    std::string fifo = TempDir() + "/client-in";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    RunningCommand client({"/bin/sh", "-c", "exec nsenter --net=" + hosts.Path("c") + " busybox nc 10.98.17.10 8080 < " +
                                                fifo},
                          "");
    std::ofstream to_server(fifo);
    to_server << "one" << std::endl;
    ASSERT_TRUE(client.WaitForOutput("one\n", 10s)) << client.OutSoFar();

    const std::string images_a = TempDir() + "/images-a", images_b = TempDir() + "/images-b";
    CommandResult server = on("b", {"page-server", "--image-path", images_b, "--address", "10.99.17.2"});
    ASSERT_EQ(server.exit_code, 0) << Describe(server);
    std::string port = server.out.substr(0, server.out.find(' '));
    auto started = std::chrono::steady_clock::now();
    CommandResult cp = on("a", {"checkpoint", name, "--image-path", images_a, "--page-server", "10.99.17.2:" + port,
                                "--tcp-established"});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    EXPECT_TRUE(ProcessesRootedIn(Rootfs()).empty()) << "the server still runs on A";
    // The pages are on B already; the rest (no pages) is copied over.
    bool pages_on_a = false;
    for (const auto& entry : fs::directory_iterator(images_a))
        pages_on_a |= entry.path().filename().string().rfind("pages-", 0) == 0;
    EXPECT_FALSE(pages_on_a) << "the dump wrote pages locally, not to the page server";
    CommandResult copy = Tool({"cp", "-a", images_a + "/.", images_b + "/"});
    ASSERT_EQ(copy.exit_code, 0) << Describe(copy);
    hosts.MoveServiceAddress();
    CommandResult rs = on("b", {"restore", name, "--image-path", images_b, "--netns", hosts.Path("w2"), "--detach"});
    ASSERT_EQ(rs.exit_code, 0) << Describe(rs);
    auto downtime = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    uint64_t bytes = 0;
    for (const auto& entry : fs::directory_iterator(images_b))
        bytes += entry.is_regular_file() ? entry.file_size() : 0;
    std::cout << "migration downtime (dump + copy + restore): " << downtime.count() << " ms, " << bytes
              << " bytes of images\n";

    pid_t restored = 0;
    {
        std::smatch m;
        std::string json = on("b", {"state", name}).out;
        if (std::regex_search(json, m, std::regex(R"re("pid"\s*:\s*(\d+))re")))
            restored = std::stoi(m[1]);
    }
    ASSERT_GT(restored, 0);
    EXPECT_EQ(Inode("/proc/" + std::to_string(restored) + "/ns/net"), Inode(hosts.Path("w2")));
    EXPECT_EQ(Status(name), "checkpointed") << "host A still knows it as checkpointed";
    // The next request on the same connection is answered by the migrated server.
    to_server << "two" << std::endl;
    EXPECT_TRUE(client.WaitForOutput("one\ntwo\n", 10s)) << client.OutSoFar();

    CommandResult rm = on("b", {"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    to_server.close();
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// Issue 19 item 3: CRIU given a pages image cut in half looped forever, logging tens of MB/s.
// With the bounds ([checkpoint] criu_timeout, the 64 MiB log cap) the restore fails, CRIU's
// whole tree dies with the restore's cgroup, and the images are as they were (restore.log aside).
TEST_F(CheckpointTest, CorruptImageRestoreIsBoundedAndLeavesNothing) {
    std::string name = UniqueName("corrupt");
    RunCounter(name, "");
    CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir("1")});
    ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
    std::string descriptor_path = ImageDir("1") + "/berth-checkpoint.toml";
    std::string descriptor = ReadText(descriptor_path);
    std::string default_timeout = "criu_timeout = \\\"10min\\\"";  // in a """basic""" string: quotes escaped

    size_t at = descriptor.find(default_timeout);
    ASSERT_NE(at, std::string::npos) << descriptor;
    descriptor.replace(at, default_timeout.size(), "criu_timeout = \\\"20s\\\"");
    std::ofstream(descriptor_path) << descriptor;
    std::string pages = ImageDir("1") + "/pages-1.img";
    ASSERT_TRUE(fs::exists(pages));
    fs::resize_file(pages, fs::file_size(pages) / 2);
    auto before = ImageFingerprint(ImageDir("1"));
    before.erase("restore.log");

    CommandResult fail = Berthctl({"restore", name, "--image-path", ImageDir("1"), "--detach"}, "", 180s);
    EXPECT_FALSE(fail.timed_out) << "restore of a corrupt image did not return";
    EXPECT_NE(fail.exit_code, 0) << Describe(fail);
    auto after = ImageFingerprint(ImageDir("1"));
    after.erase("restore.log");
    EXPECT_EQ(after, before) << "the failed restore changed the images";
    EXPECT_LE(fs::file_size(ImageDir("1") + "/restore.log"), uintmax_t{65} << 20);
    EXPECT_TRUE(CgroupDirsContaining(name).empty());
    EXPECT_TRUE(ProcessesInCgroupsContaining(name).empty()) << "CRIU (or what it restored) survived";
    EXPECT_TRUE(ProcessesRootedIn(Rootfs()).empty());
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// Churn (issue 14): checkpoint + restore in place, hundreds of times, into the same named netns
// (BERTH_CHURN_CYCLES, default 500): the counter goes on, and no mount, named netns, cgroup,
// state entry or process is left; each round's images are removed only after they restored.
TEST_F(CheckpointTest, CheckpointRestoreChurnLeavesNothing) {
    const char* text = std::getenv("BERTH_CHURN_CYCLES");
    const int cycles = text != nullptr && std::atoi(text) > 0 ? std::atoi(text) : 500;
    const size_t mounts_before = MountsUnder("/").size();
    const size_t netns_before = SplitLines(Tool({"ip", "netns", "list"}).out).size();
    {
        NamedNetns netns("berth-churn-" + std::to_string(::getpid()));
        std::string name = UniqueName("churn");
        RunCounter(name, netns.Path());
        for (int i = 0; i < cycles; ++i) {
            std::string images = ImageDir(std::to_string(i));
            CommandResult cp = Berthctl({"checkpoint", name, "--image-path", images});
            ASSERT_EQ(cp.exit_code, 0) << "cycle " << i << ": " << Describe(cp);
            CommandResult rs = Berthctl({"restore", name, "--image-path", images, "--detach"});
            ASSERT_EQ(rs.exit_code, 0) << "cycle " << i << ": " << Describe(rs);
            fs::remove_all(images);
        }
        long before_last = Count();
        EXPECT_GT(WaitForCountAbove(before_last), before_last) << "the counter stopped";
        pid_t restored = Pid(name);
        ASSERT_GT(restored, 0);
        EXPECT_EQ(Inode("/proc/" + std::to_string(restored) + "/ns/net"), Inode(netns.Path()));
        // The counter's shell and, at times, its usleep or mv: nothing else of 500 rounds.
        for (pid_t pid : ProcessesInCgroupsContaining(name)) {
            std::smatch m;
            std::string status = ReadText("/proc/" + std::to_string(pid) + "/status");
            bool child = std::regex_search(status, m, std::regex("PPid:\\s*(\\d+)")) && std::stoi(m[1]) == restored;
            EXPECT_TRUE(pid == restored || child || status.empty()) << "pid " << pid << " in the cgroup:\n" << status;
        }
        CommandResult rm = Berthctl({"rm", "--force", name});
        EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    }
    EXPECT_EQ(MountsUnder("/").size(), mounts_before);
    EXPECT_EQ(SplitLines(Tool({"ip", "netns", "list"}).out).size(), netns_before);
    ExpectNothingLeftBehind();
}

}  // namespace
}  // namespace berth::testing
