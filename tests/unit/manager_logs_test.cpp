// manager layer: reading a container's log files back (the fallback where no journal runs).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "manager/container_logs.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::manager {
namespace {

class FileLogsTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/berth-logs-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::vector<std::string> Read(std::optional<size_t> lines) {
        LogQuery query;
        query.name = "web";
        query.log_dir = dir_;
        query.lines = lines;
        std::vector<std::string> seen;
        ReadFileLogs(query, [&](const std::string& line) { seen.push_back(line); });
        return seen;
    }

    std::string dir_;
};

TEST_F(FileLogsTest, RotatedFileComesFirstAndTheTailSpansBoth) {
    WriteFileAtomic(dir_ + "/web.log.1", "one\ntwo\n");
    WriteFileAtomic(dir_ + "/web.log", "three\nfour\npartial");
    EXPECT_EQ(Read(std::nullopt), (std::vector<std::string>{"one", "two", "three", "four"}));
    EXPECT_EQ(Read(3), (std::vector<std::string>{"two", "three", "four"}));
    EXPECT_EQ(Read(0), std::vector<std::string>{});
}

TEST_F(FileLogsTest, OnlyARotatedFileIsEnoughAndNoFileIsAnErrorNamingIt) {
    WriteFileAtomic(dir_ + "/web.log.1", "old\n");
    EXPECT_EQ(Read(std::nullopt), std::vector<std::string>{"old"});
    std::filesystem::remove(dir_ + "/web.log.1");
    try {
        Read(std::nullopt);
        FAIL() << "no log file is an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(dir_ + "/web.log"), std::string::npos) << e.what();
    }
}

TEST_F(FileLogsTest, SinceNeedsTheJournal) {
    WriteFileAtomic(dir_ + "/web.log", "line\n");
    LogQuery query;
    query.name = "web";
    query.log_dir = dir_;
    query.since = std::chrono::system_clock::now();
    EXPECT_THROW(ReadFileLogs(query, [](const std::string&) {}), Error);
}

}  // namespace
}  // namespace berth::manager
