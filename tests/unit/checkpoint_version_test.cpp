// The CRIU version decision: external netns with CRIU >= 3.11, recreated (with a warning) before.
#include <gtest/gtest.h>

#include <string>

#include "checkpoint/criu_client.hpp"
#include "checkpoint/criu_version.hpp"
#include "util/error.hpp"

namespace berth::checkpoint {
namespace {

// The bytes a CRIU of this version sends for a VERSION request, as recorded off the socket.
std::string RecordedVersionResponse(int major, int minor, int sublevel = 0) {
    rpc::criu_resp resp;
    resp.set_type(rpc::VERSION);
    resp.set_success(true);
    resp.mutable_version()->set_major_number(major);
    resp.mutable_version()->set_minor_number(minor);
    if (sublevel != 0)
        resp.mutable_version()->set_sublevel(sublevel);
    std::string bytes;
    EXPECT_TRUE(resp.SerializeToString(&bytes));
    return bytes;
}

CriuVersion VersionFromBytes(const std::string& bytes) {
    return VersionFromResponse(ParseCriuResponse(bytes, "query the CRIU version"));
}

TEST(CheckpointVersion, OldCriuFallsBackToRecreatedNetnsWithWarning) {
    CriuVersion version = VersionFromBytes(RecordedVersionResponse(3, 10));
    EXPECT_EQ(version.major, 3);
    EXPECT_EQ(version.minor, 10);
    EXPECT_FALSE(UseExternalNetns(version));
    NetnsDecision decision = DecideExternalNetns(version, std::string("/run/netns/berth-test"));
    EXPECT_FALSE(decision.use_external);
    ASSERT_TRUE(decision.warning.has_value());
    EXPECT_NE(decision.warning->find("/run/netns/berth-test"), std::string::npos) << *decision.warning;
    EXPECT_NE(decision.warning->find("3.10"), std::string::npos) << *decision.warning;
    EXPECT_NE(decision.warning->find("3.11"), std::string::npos) << *decision.warning;
}

TEST(CheckpointVersion, CriuFrom311UsesExternalNetns) {
    for (auto [major, minor, sublevel] : {std::tuple{3, 11, 0}, std::tuple{3, 19, 0}, std::tuple{4, 2, 1}}) {
        CriuVersion version = VersionFromBytes(RecordedVersionResponse(major, minor, sublevel));
        NetnsDecision decision = DecideExternalNetns(version, std::string("/run/netns/x"));
        EXPECT_TRUE(decision.use_external) << version.ToString();
        EXPECT_FALSE(decision.warning.has_value()) << version.ToString();
    }
}

TEST(CheckpointVersion, SublevelCountsBelowMinor) {
    EXPECT_FALSE(UseExternalNetns(VersionFromBytes(RecordedVersionResponse(3, 10, 99))));
    EXPECT_TRUE(UseExternalNetns(VersionFromBytes(RecordedVersionResponse(3, 11, 0))));
}

TEST(CheckpointVersion, NoNetnsPathNeedsNoDecision) {
    NetnsDecision decision = DecideExternalNetns(VersionFromBytes(RecordedVersionResponse(3, 10)), std::nullopt);
    EXPECT_FALSE(decision.use_external);
    EXPECT_FALSE(decision.warning.has_value());
}

TEST(CheckpointVersion, FailedVersionResponseIsAnError) {
    rpc::criu_resp resp;
    resp.set_type(rpc::VERSION);
    resp.set_success(false);
    resp.set_cr_errmsg("not supported");
    try {
        VersionFromResponse(resp);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not supported"), std::string::npos) << e.what();
    }
}

TEST(CheckpointVersion, GarbageIsNotAResponse) {
    EXPECT_THROW(ParseCriuResponse(std::string("\xff\xff\xff", 3), "query the CRIU version"), Error);
}

TEST(CheckpointVersion, ToStringShowsSublevelOnlyWhenSet) {
    EXPECT_EQ((CriuVersion{4, 2, 0, 0, {}}).ToString(), "4.2");
    EXPECT_EQ((CriuVersion{3, 10, 1, 0, {}}).ToString(), "3.10.1");
}

}  // namespace
}  // namespace berth::checkpoint
