// ContainerLog without a journal: LOG_DIR/NAME.log, rotated to NAME.log.1 past kMaxLogFileBytes.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "manager/container_monitor.hpp"

namespace berth::manager {
namespace {

uint64_t SizeOf(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

TEST(ContainerLog, WritesLinesToTheFileAndRotatesItPastTheLimit) {
    if (std::filesystem::exists("/run/systemd/journal/socket"))
        GTEST_SKIP() << "a journal runs here: ContainerLog writes there, not to a file";
    std::string dir = (std::filesystem::temp_directory_path() / "berth-log.XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    std::string logs = dir + "/logs";  // made by ContainerLog
    {
        ContainerLog log(logs, "web");
        log.Line("first", 6);
        std::ifstream in(logs + "/web.log");
        std::stringstream text;
        text << in.rdbuf();
        EXPECT_EQ(text.str(), "first\n");
        const std::string line(1023, 'x');
        for (uint64_t written = 0; written <= kMaxLogFileBytes; written += line.size() + 1)
            log.Line(line, 6);
        log.Line("after rotation", 3);
    }
    EXPECT_GE(SizeOf(logs + "/web.log.1"), kMaxLogFileBytes);
    EXPECT_LT(SizeOf(logs + "/web.log"), kMaxLogFileBytes);
    std::ifstream in(logs + "/web.log");
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("after rotation\n"), std::string::npos);
    // A new log (berthd or berthctl restarted) appends to what is there and keeps counting.
    ContainerLog again(logs, "web");
    again.Line("appended", 6);
    EXPECT_EQ(SizeOf(logs + "/web.log"), text.str().size() + 9);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace berth::manager
