// bus layer: what a spare hands berthd's monitor with a started init (EncodeHandoff/DecodeHandoff).
#include <gtest/gtest.h>

#include "bus/monitor.hpp"

namespace berth::bus {
namespace {

TEST(MonitorHandoff, RoundTripsEveryField) {
    for (bool pipes : {false, true})
        for (bool oom : {false, true}) {
            Handoff sent{"web-1.a_b", 4242, 987654321012ULL, pipes, oom, "/var/log/berth",
                         oom ? std::optional<uint64_t>(18446744073709551615ULL) : std::nullopt};
            std::optional<Handoff> got = DecodeHandoff(EncodeHandoff(sent));
            ASSERT_TRUE(got.has_value());
            EXPECT_EQ(got->name, "web-1.a_b");
            EXPECT_EQ(got->pid, 4242);
            EXPECT_EQ(got->start_time, 987654321012ULL);
            EXPECT_EQ(got->output_pipes, pipes);
            EXPECT_EQ(got->oom_watch, oom);
            EXPECT_EQ(got->log_dir, "/var/log/berth");
            EXPECT_EQ(got->system_oom_kills, sent.system_oom_kills);
            EXPECT_EQ(got->FdCount(), 2u + (pipes ? 2u : 0u) + (oom ? 1u : 0u));
        }
}

TEST(MonitorHandoff, RefusesWhatNoSpareSends) {
    EXPECT_FALSE(DecodeHandoff(""));
    EXPECT_FALSE(DecodeHandoff(std::string("web\0" "12\0" "34\0", 10))) << "fields missing";
    using namespace std::string_literals;
    EXPECT_TRUE(DecodeHandoff("web\0" "12\0" "34\0" "1\0" "0\0" "/log\0" "\0"s)) << "the well-formed one";
    EXPECT_FALSE(DecodeHandoff("../x\0" "12\0" "34\0" "1\0" "0\0" "/log\0" "\0"s)) << "not a container name";
    EXPECT_FALSE(DecodeHandoff("web\0" "0\0" "34\0" "1\0" "0\0" "/log\0" "\0"s)) << "no pid";
    EXPECT_FALSE(DecodeHandoff("web\0" "pid\0" "34\0" "1\0" "0\0" "/log\0" "\0"s)) << "pid not a number";
    EXPECT_FALSE(DecodeHandoff("web\0" "12\0" "34\0" "1\0" "0\0" "\0" "\0"s)) << "no log dir";
    EXPECT_FALSE(DecodeHandoff("web\0" "12\0" "34\0" "1\0" "1\0" "/log\0" "many\0"s)) << "OOM count not a number";
}

}  // namespace
}  // namespace berth::bus
