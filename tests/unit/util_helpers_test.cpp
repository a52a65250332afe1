// util helpers: signal names, RFC 3339 timestamps, /proc/PID/stat facts.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "util/error.hpp"
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

}  // namespace
}  // namespace berth
