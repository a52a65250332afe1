// Rootless id mappings: a user's ranges read from a subid file, and the maps made of them.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "launch/rootless.hpp"

namespace berth::launch {
namespace {

class SubidFile : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/berth-subid-XXXXXX";
        int fd = ::mkstemp(tmpl);
        ASSERT_GE(fd, 0);
        ::close(fd);
        path_ = tmpl;
    }
    void TearDown() override { ::unlink(path_.c_str()); }
    void Write(const std::string& text) { std::ofstream(path_) << text; }
    std::string path_;
};

TEST_F(SubidFile, RangesOfTheUserByNameOrUidInFileOrder) {
    Write("alice:100000:65536\n"
          "bob:165536:65536\n"
          "# a comment\n"
          "1001:300000:1000\n"
          "alice:400000:0\n"        // empty: skipped
          "alice:x:5\n"             // malformed: skipped
          "alice:4294967295:2\n"    // past 2^32: skipped
          "alice:500000:10\n");
    std::vector<SubordinateRange> ranges = ReadSubordinateRanges(path_, "alice", 1001);
    ASSERT_EQ(ranges.size(), 3u);
    EXPECT_EQ(ranges[0].start, 100000u);
    EXPECT_EQ(ranges[0].count, 65536u);
    EXPECT_EQ(ranges[1].start, 300000u);
    EXPECT_EQ(ranges[1].count, 1000u);
    EXPECT_EQ(ranges[2].start, 500000u);
    EXPECT_TRUE(ReadSubordinateRanges(path_, "carol", 1002).empty());
    EXPECT_TRUE(ReadSubordinateRanges(path_ + ".missing", "alice", 1001).empty());
}

TEST(RootlessMappings, RootIsTheUserAndTheRangesFollowOneAnother) {
    std::vector<config::IdMapping> m = RootlessMappings(1001, {{100000, 65536}, {300000, 1000}});
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m[0], (config::IdMapping{0, 1001, 1}));
    EXPECT_EQ(m[1], (config::IdMapping{1, 100000, 65536}));
    EXPECT_EQ(m[2], (config::IdMapping{65537, 300000, 1000}));
    // Without ranges: the user's own id alone, which it may map itself.
    EXPECT_EQ(RootlessMappings(1001, {}), (std::vector<config::IdMapping>{{0, 1001, 1}}));
}

TEST(RootlessMappings, ContainerIdsEndBelowTheIdSpace) {
    std::vector<config::IdMapping> m = RootlessMappings(1001, {{100000, 4294967295u}, {5, 5}});
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(uint64_t{m[1].container_id} + m[1].size, 4294967295ULL);
}

}  // namespace
}  // namespace berth::launch
