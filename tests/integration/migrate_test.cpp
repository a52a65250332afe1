// berthctl migrate (issue 17): a running container moved in one step over a TCP connection to a
// `berthctl migrate --receive` (here on the same machine, 127.0.0.1), with the real CRIU: into a new
// name and another network namespace, its memory intact; a receiver that lacks the netns refuses
// before the dump; a receiver that fails after the dump gets the source resumed by CRIU.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <regex>
#include <string>
#include <thread>

#include "criu_probe.hpp"
#include "fixture.hpp"
#include "read_text.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

// A value made once at start and kept in the shell's memory, written with the count: a restart
// from scratch would write another tag and count from 1 again.
const char* kTaggedCounterScript =
    "tag=$(cat /proc/sys/kernel/random/uuid); i=0; while true; do i=$((i+1)); echo \"$tag $i\" > /tmp/count.new; "
    "mv /tmp/count.new /tmp/count; usleep 100000; done";

CommandResult Tool(const std::vector<std::string>& argv) {
    std::string line = "exec";
    for (const std::string& arg : argv)
        line += " '" + arg + "'";
    return RunCommand({"/bin/sh", "-c", line});
}

uint64_t Inode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) < 0 ? 0 : st.st_ino;
}

bool ProcessExists(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH); }

class NamedNetns {
public:
    explicit NamedNetns(std::string name) : name_(std::move(name)) {
        CommandResult add = Tool({"ip", "netns", "add", name_});
        EXPECT_EQ(add.exit_code, 0) << Describe(add);
    }
    ~NamedNetns() { Tool({"ip", "netns", "del", name_}); }
    std::string Path() const { return "/run/netns/" + name_; }

private:
    std::string name_;
};

struct Tagged {
    std::string tag;
    long count = -1;
};

class MigrateTest : public BerthFixture {
protected:
    void SetUp() override {
        BerthFixture::SetUp();
        if (IsSkipped())
            return;
        if (std::string reason = CriuUnusableReason(Tool); !reason.empty())
            GTEST_SKIP() << "CRIU unusable: " << reason;
        MakePrivateRootfs();
        fs::create_directories(SendScratch());
        fs::create_directories(ReceiveScratch());
    }

    std::string SendScratch() const { return TempDir() + "/send"; }
    std::string ReceiveScratch() const { return TempDir() + "/receive"; }

    Tagged Read() const {
        std::smatch m;
        std::string text = ReadText(Rootfs() + "/tmp/count");
        if (!std::regex_search(text, m, std::regex(R"(^(\S+) (\d+))")))
            return {};
        return {m[1].str(), std::stol(m[2].str())};
    }
    // Until the count passes `above` (30 s safety limit, not a timing assertion).
    Tagged WaitForCountAbove(long above) {
        for (int i = 0; i < 300; ++i, std::this_thread::sleep_for(100ms))
            if (Tagged t = Read(); t.count > above)
                return t;
        return Read();
    }

    void RunCounter(const std::string& name, const std::string& netns_path) {
        CommandResult r = Berthctl({"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--memory", "64M",
                                    "--netns", netns_path, "--", "/bin/sh", "-c", kTaggedCounterScript});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
        ASSERT_GT(WaitForCountAbove(3).count, 3) << "the counter never ran";
    }


    // `berthctl migrate --receive` on 127.0.0.1, once it listens; port_ holds its port.
    std::unique_ptr<RunningCommand> StartReceiver() {
        auto receiver =
            StartBerthctl({"migrate", "--receive", "--listen", "127.0.0.1:0", "--work-path", ReceiveScratch()});
        EXPECT_TRUE(receiver->WaitForOutput("\n", 30s)) << receiver->OutSoFar();
        std::smatch m;
        std::string out = receiver->OutSoFar();
        EXPECT_TRUE(std::regex_search(out, m, std::regex(R"(listening on 127\.0\.0\.1:(\d+)\n)"))) << out;
        port_ = m.size() > 1 ? m[1].str() : "0";
        return receiver;
    }
    std::string To() const { return "127.0.0.1:" + port_; }

    void ExpectScratchEmpty() {
        EXPECT_TRUE(fs::is_empty(SendScratch())) << "the sender left files in " << SendScratch();
        EXPECT_TRUE(fs::is_empty(ReceiveScratch())) << "the receiver left files in " << ReceiveScratch();
    }

    std::string port_;
};

TEST_F(MigrateTest, MigrateMovesARunningContainerIntoANewNameAndNetnsAndRemovesTheSource) {
    NamedNetns source_netns("berth-mig-" + std::to_string(::getpid()) + "-a");
    NamedNetns target_netns("berth-mig-" + std::to_string(::getpid()) + "-b");
    std::string name = UniqueName("src");
    std::string copy = UniqueName("dst");
    RunCounter(name, source_netns.Path());
    pid_t source_pid = Pid(name);
    std::string source_cgroup = MemoryCgroupOf(source_pid);
    ASSERT_FALSE(source_cgroup.empty());
    Tagged before = Read();

    auto receiver = StartReceiver();
    CommandResult mig = Berthctl({"migrate", name, "--to", To(), "--name", copy, "--netns", target_netns.Path(),
                                  "--work-path", SendScratch()});
    ASSERT_EQ(mig.exit_code, 0) << Describe(mig);
    CommandResult received = receiver->Wait();
    EXPECT_EQ(received.exit_code, 0) << Describe(received);
    EXPECT_NE(received.out.find("restored " + copy + " (pid "), std::string::npos) << Describe(received);
    std::smatch downtime;
    EXPECT_TRUE(std::regex_search(mig.out, downtime, std::regex(R"(downtime (\d+) ms \(freeze to restored\))")))
        << mig.out;
    std::cout << mig.out;

    // The source is gone: no state, no process, no cgroup.
    EXPECT_NE(Berthctl({"state", name}).exit_code, 0) << "the source's state is left";
    EXPECT_FALSE(ProcessExists(source_pid)) << "the source's init still runs";
    EXPECT_FALSE(fs::exists(source_cgroup)) << source_cgroup;
    EXPECT_TRUE(CgroupDirsContaining(name).empty());

    // The copy runs in the target netns, in its own cgroup, with the source's memory.
    EXPECT_EQ(Status(copy), "running");
    pid_t restored = Pid(copy);
    ASSERT_GT(restored, 0);
    EXPECT_EQ(Inode("/proc/" + std::to_string(restored) + "/ns/net"), Inode(target_netns.Path()));
    EXPECT_NE(MemoryCgroupOf(restored).find(copy), std::string::npos) << MemoryCgroupOf(restored);
    Tagged stopped = Read();
    Tagged after = WaitForCountAbove(stopped.count);
    EXPECT_GT(after.count, stopped.count) << "the counter did not continue";
    EXPECT_GT(after.count, before.count);
    EXPECT_EQ(after.tag, before.tag) << "the restored shell has another tag: it started again";
    ExpectScratchEmpty();

    CommandResult rm = Berthctl({"rm", "--force", copy});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    ExpectNothingLeftBehind();
}

TEST_F(MigrateTest, ReceiverWithoutTheNetnsRefusesBeforeTheDumpAndTheSourceRunsOnUntouched) {
    NamedNetns source_netns("berth-mig-" + std::to_string(::getpid()) + "-a");
    std::string name = UniqueName("src");
    std::string copy = UniqueName("dst");
    RunCounter(name, source_netns.Path());
    pid_t source_pid = Pid(name);
    std::string source_cgroup = MemoryCgroupOf(source_pid);
    const std::string missing = "/run/netns/berth-mig-missing-" + std::to_string(::getpid());

    auto receiver = StartReceiver();
    CommandResult mig =
        Berthctl({"migrate", name, "--to", To(), "--name", copy, "--netns", missing, "--work-path", SendScratch()});
    EXPECT_NE(mig.exit_code, 0) << Describe(mig);
    EXPECT_NE(mig.err.find("refused it before the dump"), std::string::npos) << Describe(mig);
    EXPECT_NE(mig.err.find(missing + " is not available"), std::string::npos) << Describe(mig);
    EXPECT_NE(mig.err.find("runs on here, untouched"), std::string::npos) << Describe(mig);
    CommandResult received = receiver->Wait();
    EXPECT_NE(received.exit_code, 0) << Describe(received);
    EXPECT_NE(received.err.find(missing), std::string::npos) << Describe(received);

    EXPECT_EQ(Status(name), "running");
    EXPECT_EQ(Pid(name), source_pid);
    EXPECT_EQ(MemoryCgroupOf(source_pid), source_cgroup);
    Tagged now = Read();
    EXPECT_GT(WaitForCountAbove(now.count).count, now.count) << "the source stopped counting";
    EXPECT_NE(Berthctl({"state", copy}).exit_code, 0) << "the receiver recorded " << copy;
    EXPECT_TRUE(CgroupDirsContaining(copy).empty());
    ExpectScratchEmpty();

    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// A stand-in receiver speaking the protocol (migration.hpp): it accepts the offer, points the sender
// at a real CRIU page server, takes the images, then answers FAIL, as a receiver whose restore
// failed, or (answer_fail false) never answers, reading until the sender's end closes.
class FailingReceiver {
public:
    FailingReceiver(const std::string& page_server_port, bool answer_fail = true)
        : port_answer_(page_server_port), answer_fail_(answer_fail) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        EXPECT_EQ(::listen(listener_, 1), 0);
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { Serve(); });
    }
    ~FailingReceiver() {
        ::shutdown(listener_, SHUT_RDWR);
        thread_.join();
        ::close(listener_);
    }
    int Port() const { return port_; }
    bool ImagesArrived() const { return images_arrived_; }
    std::vector<std::string> Kinds() {
        thread_.join();
        thread_ = std::thread([] {});
        return kinds_;
    }

private:
    static bool ReadAll(int fd, char* data, size_t n) {
        while (n > 0) {
            ssize_t r = ::recv(fd, data, n, 0);
            if (r <= 0)
                return false;
            data += r;
            n -= static_cast<size_t>(r);
        }
        return true;
    }
    static void Send(int fd, const std::string& kind, const std::string& body) {
        std::string frame = kind;
        for (int i = 7; i >= 0; --i)
            frame += static_cast<char>((static_cast<uint64_t>(body.size()) >> (8 * i)) & 0xff);
        frame += body;
        ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    }
    bool ReceiveFrame(int fd) {
        char header[12];
        if (!ReadAll(fd, header, sizeof header))
            return false;
        uint64_t size = 0;
        for (int i = 4; i < 12; ++i)
            size = (size << 8) | static_cast<unsigned char>(header[i]);
        std::string body(size, '\0');
        if (!ReadAll(fd, body.data(), size))
            return false;
        kinds_.emplace_back(header, 4);
        return true;
    }
    void Serve() {
        int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (ReceiveFrame(fd) && ReceiveFrame(fd)) {  // MIGR, CHCK
            Send(fd, "REDY", port_answer_);
            if (ReceiveFrame(fd)) {  // IMGS
                images_arrived_ = true;
                if (answer_fail_) {
                    Send(fd, "FAIL", "restore failed on purpose (test)");
                } else {
                    char byte;
                    while (::recv(fd, &byte, 1, 0) > 0) {
                    }
                }
            }
        }
        ::close(fd);
    }
    int listener_ = -1;
    int port_ = 0;
    std::string port_answer_;
    bool answer_fail_;
    std::atomic<bool> images_arrived_{false};
    std::vector<std::string> kinds_;
    std::thread thread_;
};

TEST_F(MigrateTest, ReceiverFailingAfterTheDumpGetsTheSourceResumedWhereItWas) {
    NamedNetns source_netns("berth-mig-" + std::to_string(::getpid()) + "-a");
    std::string name = UniqueName("src");
    RunCounter(name, source_netns.Path());
    pid_t source_pid = Pid(name);
    std::string source_cgroup = MemoryCgroupOf(source_pid);
    Tagged before = Read();

    CommandResult server = Berthctl({"page-server", "--image-path", TempDir() + "/pages", "--address", "127.0.0.1"});
    ASSERT_EQ(server.exit_code, 0) << Describe(server);
    FailingReceiver receiver(server.out.substr(0, server.out.find(' ')));
    CommandResult mig = Berthctl(
        {"migrate", name, "--to", "127.0.0.1:" + std::to_string(receiver.Port()), "--work-path", SendScratch()});
    EXPECT_NE(mig.exit_code, 0) << Describe(mig);
    EXPECT_NE(mig.err.find("the receiver could not restore it: restore failed on purpose (test)"), std::string::npos)
        << Describe(mig);
    EXPECT_NE(mig.err.find("the container was resumed and runs on here"), std::string::npos) << Describe(mig);
    EXPECT_EQ(receiver.Kinds(), (std::vector<std::string>{"MIGR", "CHCK", "IMGS"}));
    // The pages did go out: the dump really happened before the failure.
    bool pages = false;
    for (const auto& entry : fs::directory_iterator(TempDir() + "/pages"))
        pages |= entry.path().filename().string().rfind("pages-", 0) == 0;
    EXPECT_TRUE(pages) << "no pages reached the page server";

    // The same process, cgroup and memory, counting on.
    EXPECT_EQ(Status(name), "running");
    EXPECT_EQ(Pid(name), source_pid);
    EXPECT_TRUE(ProcessExists(source_pid));
    EXPECT_EQ(MemoryCgroupOf(source_pid), source_cgroup);
    Tagged now = Read();
    Tagged later = WaitForCountAbove(now.count);
    EXPECT_GT(later.count, now.count) << "the source was not resumed";
    EXPECT_EQ(later.tag, before.tag);
    ExpectScratchEmpty();

    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// berthctl killed while the receiver holds its images unanswered (the tasks frozen at post-dump):
// CRIU's post-dump question goes unanswered, so CRIU resumes the tasks.
TEST_F(MigrateTest, SenderKilledAfterTheDumpLeavesTheSourceResumedByCriu) {
    NamedNetns source_netns("berth-mig-" + std::to_string(::getpid()) + "-a");
    std::string name = UniqueName("src");
    RunCounter(name, source_netns.Path());
    pid_t source_pid = Pid(name);
    Tagged before = Read();

    CommandResult server = Berthctl({"page-server", "--image-path", TempDir() + "/pages", "--address", "127.0.0.1"});
    ASSERT_EQ(server.exit_code, 0) << Describe(server);
    FailingReceiver receiver(server.out.substr(0, server.out.find(' ')), false);
    auto sender = StartBerthctl(
        {"migrate", name, "--to", "127.0.0.1:" + std::to_string(receiver.Port()), "--work-path", SendScratch()});
    // Until the images arrived (30 s safety limit, not a timing assertion).
    for (int i = 0; i < 300 && !receiver.ImagesArrived(); ++i)
        std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(receiver.ImagesArrived()) << sender->OutSoFar();
    sender->Signal(SIGKILL);
    CommandResult killed = sender->Wait();
    EXPECT_NE(killed.exit_code, 0) << Describe(killed);
    EXPECT_EQ(receiver.Kinds(), (std::vector<std::string>{"MIGR", "CHCK", "IMGS"}));

    EXPECT_EQ(Status(name), "running");
    EXPECT_EQ(Pid(name), source_pid);
    Tagged now = Read();
    Tagged later = WaitForCountAbove(now.count);
    EXPECT_GT(later.count, now.count) << "CRIU did not resume the source";
    EXPECT_EQ(later.tag, before.tag);

    Berthctl({"rm", "--force", name});
    // A killed berthctl cannot remove its scratch directory: that is all it leaves.
    std::error_code ignored;
    fs::remove_all(SendScratch(), ignored);
    ExpectNothingLeftBehind();
}

}  // namespace
}  // namespace berth::testing
