// berthctl migrate's control connection: HOST:PORT parsing and frames over a loopback TCP connection.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "manager/migration_channel.hpp"
#include "util/error.hpp"

namespace berth::manager {
namespace {

TEST(MigrationHostPort, SplitsAtTheLastColonAndUnbracketsIpv6) {
    HostPort v4 = ParseHostPort("10.0.0.2:7000", "--to", false);
    EXPECT_EQ(v4.host, "10.0.0.2");
    EXPECT_EQ(v4.port, 7000);
    HostPort v6 = ParseHostPort("[fd00::2]:7000", "--to", false);
    EXPECT_EQ(v6.host, "fd00::2");
    EXPECT_EQ(v6.ToString(), "[fd00::2]:7000");
    HostPort any = ParseHostPort(":0", "--listen", true);
    EXPECT_EQ(any.host, "");
    EXPECT_EQ(any.port, 0);
}

TEST(MigrationHostPort, RefusesWhatIsNotHostColonPort) {
    for (const char* bad : {"7000", "host:", "host:port", "host:70000", "host:-1", "host:7000x"}) {
        try {
            ParseHostPort(bad, "--to", false);
            ADD_FAILURE() << bad << " was accepted";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("--to ") + bad + " is not HOST:PORT"), std::string::npos)
                << e.what();
        }
    }
    EXPECT_THROW(ParseHostPort("host:0", "--to", false), Error);  // port 0 only to listen
}

class MigrationChannelTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("berth-channel-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string Path(const std::string& name) const { return (dir_ / name).string(); }
    std::filesystem::path dir_;
};

TEST_F(MigrationChannelTest, FramesAndFilesArriveWholeAndInOrder) {
    MigrationListener listener = MigrationListener::Listen({"127.0.0.1", 0});
    ASSERT_GT(listener.Port(), 0);
    std::string big(300000, '\0');
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>(i * 7);
    std::ofstream(Path("sent.bin"), std::ios::binary) << big;
    std::thread sender([&] {
        MigrationChannel channel = MigrationChannel::Connect({"127.0.0.1", listener.Port()});
        channel.Send("MIGR", "name = 'web'\n");
        EXPECT_EQ(channel.SendFile("IMGS", Path("sent.bin")), big.size());
        channel.Send("EMPT", "");
    });
    MigrationChannel channel = listener.Accept();
    EXPECT_EQ(channel.PeerAddress(), "127.0.0.1");
    Frame first = channel.Receive(1024);
    EXPECT_EQ(first.kind, "MIGR");
    EXPECT_EQ(first.body, "name = 'web'\n");
    Frame file = channel.ReceiveFile("IMGS", Path("received.bin"), 1024);
    EXPECT_EQ(file.kind, "IMGS");
    std::ifstream in(Path("received.bin"), std::ios::binary);
    std::stringstream got;
    got << in.rdbuf();
    EXPECT_EQ(got.str(), big);
    Frame empty = channel.Receive(1024);
    EXPECT_EQ(empty.kind, "EMPT");
    EXPECT_EQ(empty.body, "");
    sender.join();
    // The sender is gone: the next read says the connection closed.
    try {
        channel.Receive(1024);
        ADD_FAILURE() << "a frame after the sender closed";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("the connection was closed"), std::string::npos) << e.what();
    }
}

TEST_F(MigrationChannelTest, AnotherKindWhereAFileIsExpectedComesBackAsTextAndOversizeIsRefused) {
    MigrationListener listener = MigrationListener::Listen({"127.0.0.1", 0});
    std::thread sender([&] {
        MigrationChannel channel = MigrationChannel::Connect({"127.0.0.1", listener.Port()});
        channel.Send("FAIL", "no room");
        channel.Send("MIGR", std::string(2048, 'x'));
    });
    MigrationChannel channel = listener.Accept();
    Frame instead = channel.ReceiveFile("IMGS", Path("never.bin"), 1024);
    EXPECT_EQ(instead.kind, "FAIL");
    EXPECT_EQ(instead.body, "no room");
    EXPECT_FALSE(std::filesystem::exists(Path("never.bin")));
    try {
        channel.Receive(1024);
        ADD_FAILURE() << "a 2048-byte frame was taken with a 1024-byte limit";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("a MIGR message of 2048 bytes (more than 1024"), std::string::npos)
            << e.what();
    }
    sender.join();
}

TEST(MigrationChannel, ConnectingWhereNobodyListensNamesTheReceiver) {
    MigrationListener listener = MigrationListener::Listen({"127.0.0.1", 0});
    int port = listener.Port();
    { MigrationListener gone = std::move(listener); }  // closed: nothing listens on port now
    try {
        MigrationChannel::Connect({"127.0.0.1", port});
        ADD_FAILURE() << "connected to a closed port";
    } catch (const Error& e) {
        EXPECT_EQ(e.Errno(), ECONNREFUSED) << e.what();
        EXPECT_NE(std::string(e.what()).find("migration receiver at 127.0.0.1:" + std::to_string(port)),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace berth::manager
