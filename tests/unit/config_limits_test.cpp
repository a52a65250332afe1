// Hostile configuration input (issue 19): nesting that would overflow toml++'s recursive parser,
// oversized and special files, drop-ins that are not regular files, control characters in errors,
// memory limits too small to start with, and in-memory configurations checked like files.
// Before the fix, the deep inputs below crashed the test binary (SIGSEGV in toml++), the FIFO
// drop-in hung, and the dangling/FIFO drop-ins were skipped silently.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "config/defaults.hpp"
#include "config/loader.hpp"
#include "config/toml_document.hpp"
#include "config_test_support.hpp"

namespace berth::config {
namespace {

using testing::CaptureConfigError;
using testing::TempDir;

std::string Repeat(const std::string& part, int times) {
    std::string out;
    for (int i = 0; i < times; ++i)
        out += part;
    return out;
}

const int kHostile = 50000;

TEST(ConfigLimits, DeepDottedKeyIsRefusedBeforeParsing) {
    std::string text = "rootfs = \"/r\"\n" + Repeat("a.", kHostile) + "b = 1\n";
    ConfigError e = CaptureConfigError([&] { ParseContainerConfigString("x", text, "deep.toml"); });
    EXPECT_EQ(e.File(), "deep.toml");
    EXPECT_EQ(e.Line(), 2);
    EXPECT_NE(e.Reason().find("nested deeper than 32 levels"), std::string::npos) << e.what();
}

TEST(ConfigLimits, DeepTableHeaderArraysAndInlineTablesAreRefused) {
    for (const std::string& text : {"[" + Repeat("a.", kHostile) + "b]\n", "x = " + Repeat("[", kHostile) + "\n",
                                    "x = " + Repeat("{a=", kHostile) + "\n", "[[" + Repeat("a.", kHostile) + "b]]\n"}) {
        ConfigError e = CaptureConfigError([&] { ParseTomlText(text, "deep.toml"); });
        EXPECT_NE(e.Reason().find("nested deeper"), std::string::npos) << e.what();
    }
}

TEST(ConfigLimits, NestingAddsUpAcrossHeadersKeysAndValues) {
    // 12 + 12 + 12 levels: each part alone is shallow, together they are too deep.
    std::string text = "[" + Repeat("a.", 11) + "a]\n" + Repeat("b.", 11) + "b = " + Repeat("{c=", 12) + "1" +
                       Repeat("}", 12) + "\n";
    EXPECT_THROW(ParseTomlText(text, "sum.toml"), ConfigError);
    // Dots and brackets inside strings and comments are no nesting.
    std::string quoted = "rootfs = \"/r\"\nhostname = \"" + Repeat("[a.", 100) + "\" # " + Repeat("{.", 100) +
                         "\n[process]\nargs = ['" + Repeat("[.", 100) + "']\n";
    EXPECT_NO_THROW(ParseTomlText(quoted, "quoted.toml"));
}

TEST(ConfigLimits, EveryTomlReaderIsBounded) {
    std::string deep = Repeat("a.", kHostile) + "b = 1\n";
    EXPECT_THROW(ParseBoundedToml(deep, "x"), toml::parse_error);
    EXPECT_THROW(ParseBoundedToml(std::string(kMaxTomlBytes + 1, '#'), "x"), toml::parse_error);
    TempDir dir;
    std::string file = dir.Write("etc/berthd.toml", deep);
    EXPECT_THROW(LoadDaemonConfigFiles({file}), ConfigError);
}

TEST(ConfigLimits, OversizedFileIsRefused) {
    TempDir dir;
    std::string file = dir.Write("big.toml", "rootfs = \"/r\"\n" + std::string(kMaxTomlBytes, '#') + "\n");
    try {
        CheckContainerConfigFile(file, false);
        ADD_FAILURE() << "a file over the limit was read";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
        EXPECT_EQ(e.Errno(), EFBIG) << e.what();
    }
}

// Drop-ins that are not regular files: each must fail, naming its path.
TEST(ConfigLimits, SpecialDropInsAreErrorsNamingThePath) {
    struct Case {
        const char* name;
        std::function<void(const std::string&)> make;
    };
    std::vector<Case> cases = {
        {"dangling.toml", [](const std::string& p) { ASSERT_EQ(::symlink("/nonexistent/x.toml", p.c_str()), 0); }},
        {"loop.toml", [](const std::string& p) { ASSERT_EQ(::symlink(p.c_str(), p.c_str()), 0); }},
        {"fifo.toml", [](const std::string& p) { ASSERT_EQ(::mkfifo(p.c_str(), 0644), 0); }},
        {"zero.toml", [](const std::string& p) { ASSERT_EQ(::symlink("/dev/zero", p.c_str()), 0); }},
    };
    for (const Case& c : cases) {
        TempDir dir;
        dir.Write("etc/web.toml", "rootfs = \"/r\"\n");
        dir.MakeDir("etc/web.toml.d");
        dir.MakeDir("etc/web.toml.d/sub.toml");  // a directory stays ignored, as documented
        std::string path = dir.Path() + "/etc/web.toml.d/" + c.name;
        c.make(path);
        try {
            LoadContainerConfig("web", dir.ThreeDirs());
            ADD_FAILURE() << c.name << " was skipped";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        }
        // check-config on the file itself returns at once with the same error.
        EXPECT_THROW(CheckContainerConfigFile(path, true), Error) << c.name;
    }
}

TEST(ConfigLimits, ControlCharactersInErrorsAreEscaped) {
    ConfigError e = CaptureConfigError(
        [] { ParseContainerConfigString("x", "rootfs = \"/r\"\nhostname = \"\\u001b[31mred\"\n", "esc.toml"); });
    std::string what = e.what();
    EXPECT_EQ(what.find('\x1b'), std::string::npos) << what;
    EXPECT_NE(what.find("\\x1b[31mred"), std::string::npos) << what;
}

TEST(ConfigLimits, MemoryLimitsBelowTheMinimumAreRefused) {
    for (const char* value : {"0", "1", "\"4M\""}) {
        for (const char* key : {"memory_max", "memory_high"}) {
            std::string text = std::string("rootfs = \"/r\"\n[resources]\n") + key + " = " + value + "\n";
            ConfigError e = CaptureConfigError([&] { ParseContainerConfigString("x", text, "m.toml"); });
            EXPECT_EQ(e.KeyPath(), std::string("resources.") + key);
            EXPECT_NE(e.Reason().find("expected at least 8M"), std::string::npos) << e.what();
        }
    }
    EXPECT_NO_THROW(ParseContainerConfigString("x", "rootfs = \"/r\"\n[resources]\nmemory_max = \"8M\"\n", "m.toml"));
    // No swap at all stays allowed.
    EXPECT_NO_THROW(ParseContainerConfigString("x", "rootfs = \"/r\"\n[resources]\nmemory_swap_max = 0\n", "m.toml"));
}

TEST(ConfigLimits, InMemoryConfigurationIsCheckedLikeAFile) {
    ContainerConfig base = DefaultContainerConfig();
    base.name = "x";
    base.rootfs = "/r";
    EXPECT_NO_THROW(ValidateContainerConfig(base, "overrides"));
    std::vector<std::pair<std::function<void(ContainerConfig&)>, std::string>> bad = {
        {[](ContainerConfig& c) { c.process.args = {}; }, "process.args"},
        {[](ContainerConfig& c) { c.process.args = {""}; }, "process.args[0]"},
        {[](ContainerConfig& c) { c.process.cwd = "tmp"; }, "process.cwd"},
        {[](ContainerConfig& c) { c.process.env = {"NOVALUE"}; }, "process.env[0]"},
        {[](ContainerConfig& c) { c.hostname = "bad host/name"; }, "hostname"},
        {[](ContainerConfig& c) { c.hostname = std::string(100, 'h'); }, "hostname"},
        {[](ContainerConfig& c) { c.rootfs = "relative"; }, "rootfs.path"},
        {[](ContainerConfig& c) { c.rootfs = "/"; }, "rootfs.path"},
        {[](ContainerConfig& c) { c.resources.memory_max = ByteSize{1}; }, "resources.memory_max"},
    };
    for (auto& [spoil, key] : bad) {
        ContainerConfig config = base;
        spoil(config);
        ConfigError e = CaptureConfigError([&] { ValidateContainerConfig(config, "overrides"); });
        EXPECT_EQ(e.KeyPath(), key) << e.what();
        EXPECT_EQ(std::string(e.what()).rfind("overrides: " + key + ": ", 0), 0u) << e.what();
    }
}

}  // namespace
}  // namespace berth::config
