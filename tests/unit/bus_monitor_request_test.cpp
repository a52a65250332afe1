// What berthd hands a monitor (bus/monitor_request.hpp): fields and fd counts survive the trip,
// and a request whose fds do not match it is refused rather than misassigned.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "bus/monitor_request.hpp"
#include "util/error.hpp"

using namespace std::string_literals;

namespace berth::bus {
namespace {

TEST(MonitorRequest, RoundTripsEveryField) {
    MonitorRequest sent{"web", {"/img", "", "/run/netns/x"}, true, true, 2, "http:https", 33, 77,
                        "cgroupfs", "/etc/berth/a:/etc/berth/b", "/var/log/berth"};
    ASSERT_EQ(sent.FdCount(), 1u + 3 + 1 + 2);
    MonitorRequest got = DecodeMonitorRequest(EncodeMonitorRequest(sent), sent.FdCount());
    EXPECT_EQ(got.name, "web");
    EXPECT_EQ(got.restore.image_dir, "/img");
    EXPECT_EQ(got.restore.import_path, "");
    EXPECT_EQ(got.restore.netns_path, "/run/netns/x");
    EXPECT_TRUE(got.stdio);
    EXPECT_TRUE(got.console);
    EXPECT_EQ(got.listen_fds, 2u);
    EXPECT_EQ(got.listen_fd_names, "http:https");
    EXPECT_EQ(got.rows, 33);
    EXPECT_EQ(got.columns, 77);
    // The requesting berthd's settings (the server may have been spawned by another one).
    EXPECT_EQ(got.cgroup_driver, "cgroupfs");
    EXPECT_EQ(got.config_path, "/etc/berth/a:/etc/berth/b");
    EXPECT_EQ(got.log_dir, "/var/log/berth");
}

TEST(MonitorRequest, FdsThatDoNotMatchAreRefused) {
    MonitorRequest sent{"web", {}, false, false, 1, "", 0, 0};
    EXPECT_THROW(DecodeMonitorRequest(EncodeMonitorRequest(sent), 1), Error);  // the listen fd is missing
    EXPECT_THROW(DecodeMonitorRequest("web\0\0\0\0"s, 1), Error);              // the old, shorter format
    MonitorRequest too_many{"web", {}, false, false, kMaxListenFds + 1, "", 0, 0};
    EXPECT_THROW(DecodeMonitorRequest(EncodeMonitorRequest(too_many), too_many.FdCount()), Error);
}

TEST(MonitorRequest, ListenFdsGetTheLowNumbersToThemselves) {
    // What the launch opens next must land above 3..3+n-1, where the init's listen fds go.
    MonitorAttachments attachments;
    for (int i = 0; i < 3; ++i)
        attachments.listen_fds.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    manager::RunOptions options;
    std::vector<UniqueFd> reserved = PrepareListenFds(attachments, options);
    EXPECT_EQ(options.listen_fds, 3);
    ASSERT_EQ(options.listen_fd_sources.size(), 3u);
    UniqueFd next(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_GE(next.Get(), 3 + 3);
}

}  // namespace
}  // namespace berth::bus
