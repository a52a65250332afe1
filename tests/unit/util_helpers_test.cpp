// util helpers: signal names, RFC 3339 timestamps, /proc/PID/stat facts, atomic file writes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/proc_stat.hpp"
#include "util/signal_name.hpp"
#include "util/time_format.hpp"

namespace berth {
namespace {

TEST(ParseSignalTest, AcceptsNamesWithAndWithoutPrefixAnyCase) {
    EXPECT_EQ(ParseSignal("TERM"), SIGTERM);
    EXPECT_EQ(ParseSignal("SIGTERM"), SIGTERM);
    EXPECT_EQ(ParseSignal("sigkill"), SIGKILL);
    EXPECT_EQ(ParseSignal("usr1"), SIGUSR1);
    EXPECT_EQ(ParseSignal("WINCH"), SIGWINCH);
}

TEST(ParseSignalTest, AcceptsNumbersAndRealtimeOffsets) {
    EXPECT_EQ(ParseSignal("9"), 9);
    EXPECT_EQ(ParseSignal("RTMIN"), SIGRTMIN);
    EXPECT_EQ(ParseSignal("RTMIN+2"), SIGRTMIN + 2);
    EXPECT_EQ(ParseSignal("SIGRTMAX-1"), SIGRTMAX - 1);
}

TEST(ParseSignalTest, RejectsUnknownAndOutOfRange) {
    EXPECT_THROW(ParseSignal("TERMINATE"), Error);
    EXPECT_THROW(ParseSignal("0"), Error);
    EXPECT_THROW(ParseSignal("65"), Error);
    EXPECT_THROW(ParseSignal(""), Error);
    EXPECT_THROW(ParseSignal("RTMIN+99"), Error);
    try {
        ParseSignal("BOGUS");
        FAIL();
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "unknown signal 'BOGUS'");
    }
}

TEST(SignalNameTest, NamesRoundTrip) {
    for (int sig : {SIGHUP, SIGINT, SIGTERM, SIGKILL, SIGUSR2})
        EXPECT_EQ(ParseSignal(SignalName(sig)), sig);
    EXPECT_EQ(SignalName(SIGTERM), "TERM");
    EXPECT_EQ(SignalName(SIGRTMIN + 3), "RTMIN+3");
}

TEST(Rfc3339Test, FormatsUtcWithNanoseconds) {
    auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000) + std::chrono::nanoseconds(5000));
    EXPECT_EQ(FormatRfc3339(t), "2023-11-14T22:13:20.000005000Z");
}

TEST(Rfc3339Test, ParsesWhatItFormatsAndOffsets) {
    auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000) + std::chrono::microseconds(123456));
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
    EXPECT_EQ(ParseRfc3339("2023-11-14T23:13:20+01:00"),
              std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
    EXPECT_THROW(ParseRfc3339("yesterday"), Error);
    EXPECT_THROW(ParseRfc3339("2023-11-14T22:13:20"), Error);
}

TEST(ProcStatTest, StartTimeOfAProcessIsStableAndItsStateIsKnown) {
    auto mine = ProcessStartTime(::getpid());
    ASSERT_TRUE(mine.has_value());
    EXPECT_GT(*mine, 0u);
    EXPECT_EQ(ProcessStartTime(::getpid()), mine);
    EXPECT_EQ(ProcessStateChar(::getpid()), 'R');
}

TEST(ProcStatTest, ZombieAndGoneProcesses) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0)
        ::_exit(0);
    // Until reaped, the child is a zombie.
    for (int i = 0; i < 1000 && ProcessStateChar(child) != 'Z'; ++i)
        ::usleep(1000);
    EXPECT_EQ(ProcessStateChar(child), 'Z');
    ::waitpid(child, nullptr, 0);
    EXPECT_EQ(ProcessStartTime(child), std::nullopt);
    EXPECT_EQ(ProcessStateChar(child), std::nullopt);
}

std::string PreadAll(int fd) {
    char buf[256];
    ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// Runtime state is swapped in: the new content under the name, the file a reader opened before
// still whole (unlinked, not rewritten), a temporary left by a killed writer not reused, and no
// temporary left behind.
TEST(WriteFileAtomicTest, RuntimeStateReplacesTheFileWithoutTouchingTheOldOne) {
    char templ[] = "/tmp/berth-write-atomic-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    const std::string dir = templ;
    const std::string path = dir + "/state.toml";
    WriteFileAtomic(path, "one", 0600, Durability::RuntimeOnly);
    EXPECT_EQ(ReadFile(path), "one");
    UniqueFd old_file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(old_file);
    struct stat before {};
    ASSERT_EQ(::fstat(old_file.Get(), &before), 0);
    // What a writer killed between its exchange and its unlink leaves: the file before it.
    const std::string stale = path + ".tmp." + std::to_string(::getpid());
    UniqueFd stale_file(::open(stale.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    ASSERT_TRUE(stale_file);
    ASSERT_EQ(::write(stale_file.Get(), "stale", 5), 5);

    WriteFileAtomic(path, "two two", 0600, Durability::RuntimeOnly);
    EXPECT_EQ(ReadFile(path), "two two");
    struct stat after {};
    ASSERT_EQ(::stat(path.c_str(), &after), 0);
    EXPECT_NE(after.st_ino, before.st_ino);
    EXPECT_EQ(after.st_mode & 07777, 0600u);
    EXPECT_EQ(PreadAll(old_file.Get()), "one") << "the file a reader holds was rewritten";
    struct stat old_now {};
    ASSERT_EQ(::fstat(old_file.Get(), &old_now), 0);
    EXPECT_EQ(old_now.st_nlink, 0u) << "the old file is still linked somewhere";
    EXPECT_EQ(PreadAll(stale_file.Get()), "stale") << "a leftover temporary was truncated and reused";
    std::vector<std::string> entries;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        entries.push_back(e.path().filename());
    EXPECT_EQ(entries, std::vector<std::string>{"state.toml"});

    WriteFileAtomic(path, "three", 0600, Durability::Durable);
    EXPECT_EQ(ReadFile(path), "three");

    // A directory in the way is refused and left where it is, as rename(2) leaves it.
    const std::string taken = dir + "/taken";
    std::filesystem::create_directory(taken);
    EXPECT_THROW(WriteFileAtomic(taken, "x", 0600, Durability::RuntimeOnly), Error);
    EXPECT_TRUE(std::filesystem::is_directory(taken));
    entries.clear();
    for (const auto& e : std::filesystem::directory_iterator(dir))
        entries.push_back(e.path().filename());
    std::sort(entries.begin(), entries.end());
    EXPECT_EQ(entries, (std::vector<std::string>{"state.toml", "taken"}));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace berth
