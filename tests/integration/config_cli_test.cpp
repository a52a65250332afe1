// berthctl cat, show-config and check-config against temporary search paths (no root needed).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "config/loader.hpp"
#include "fixture.hpp"

namespace berth::testing {
namespace {

class ConfigCli : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "berth-config-cli.XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    std::string Write(const std::string& relative, const std::string& content) {
        std::filesystem::path full = std::filesystem::path(dir_) / relative;
        std::filesystem::create_directories(full.parent_path());
        std::ofstream(full) << content;
        return full.string();
    }
    std::string ConfigPath() const { return dir_ + "/etc:" + dir_ + "/lib"; }
    CommandResult Berthctl(std::vector<std::string> args) {
        args.insert(args.begin(), {BerthctlPath(), "--config-path", ConfigPath()});
        return RunCommand(args);
    }

    std::string dir_;
};

TEST_F(ConfigCli, CatPrintsFilesInOrderApplied) {
    std::string main = Write("lib/web.toml", "rootfs = \"/srv/web\"\n");
    std::string late = Write("lib/web.toml.d/20-late.toml", "hostname = \"late\"");  // no final newline
    std::string early = Write("etc/web.toml.d/10-early.toml", "hostname = \"early\"\n");
    CommandResult r = Berthctl({"cat", "web"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "# " + main + "\nrootfs = \"/srv/web\"\n\n# " + early + "\nhostname = \"early\"\n\n# " + late +
                         "\nhostname = \"late\"\n");
}

TEST_F(ConfigCli, ShowConfigPrintsMergedResultThatReadsBack) {
    Write("etc/web.toml", "rootfs = \"/srv/web\"\n[resources]\nmemory_max = \"512M\"\ncpu_quota = \"150%\"\n");
    Write("etc/web.toml.d/50-memory.toml", "[resources]\nmemory_max = \"2G\"\n");
    CommandResult r = Berthctl({"show-config", "web"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    config::ContainerConfig shown = config::ParseContainerConfigString("web", r.out, "<show-config>");
    ASSERT_TRUE(shown.resources.memory_max);
    EXPECT_EQ(shown.resources.memory_max->bytes, 2ULL << 30);
    ASSERT_TRUE(shown.resources.cpu_quota);
    EXPECT_EQ(shown.resources.cpu_quota->percent, 150u);
    EXPECT_EQ(shown, config::LoadContainerConfig("web", config::SearchPath::Parse(ConfigPath())));
}

TEST_F(ConfigCli, ShowConfigReportsBrokenDropInAndFails) {
    Write("etc/web.toml", "rootfs = \"/srv/web\"\n");
    std::string bad = Write("lib/web.toml.d/50-bad.toml", "[resources]\n\nmemory_max = \"lots\"\n");
    CommandResult r = Berthctl({"show-config", "web"});
    EXPECT_EQ(r.exit_code, 1) << Describe(r);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(bad + ":3:14: resources.memory_max: expected a size"), std::string::npos) << r.err;
}

TEST_F(ConfigCli, MissingContainerFailsOnStderr) {
    CommandResult r = Berthctl({"show-config", "nope"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("nope.toml"), std::string::npos) << r.err;
    EXPECT_EQ(Berthctl({"cat", "nope"}).exit_code, 1);
}

TEST_F(ConfigCli, CheckConfigReportsEachFile) {
    std::string good = Write("good.toml", "rootfs = \"/srv/web\"\n");
    std::string bad = Write("bad.toml", "rootfs = \"srv\"\n[process]\ncwd = 5\n");
    CommandResult ok = Berthctl({"check-config", good});
    EXPECT_EQ(ok.exit_code, 0) << Describe(ok);
    EXPECT_EQ(ok.out, good + ": ok\n");

    CommandResult mixed = Berthctl({"check-config", good, bad});
    EXPECT_EQ(mixed.exit_code, 1);
    EXPECT_EQ(mixed.out, good + ": ok\n");
    EXPECT_NE(mixed.err.find(bad + ":1:10: rootfs: expected an absolute path"), std::string::npos) << mixed.err;
    EXPECT_NE(mixed.err.find(bad + ":3:7: process.cwd: expected an absolute path"), std::string::npos) << mixed.err;
}

TEST_F(ConfigCli, CheckConfigReportsABadSeccompProfileWithBothFilesKeyAndReason) {
    std::string profile = Write("seccomp/web.toml", "default_action = \"allow\"\n[[syscalls]]\nnames = [\"mkdri\"]\naction = \"errno\"\n");
    std::string main = Write("web.toml", "rootfs = \"/srv/web\"\n[seccomp]\nprofile = \"" + profile + "\"\n");
    CommandResult bad = Berthctl({"check-config", main});
    EXPECT_EQ(bad.exit_code, 1) << Describe(bad);
    EXPECT_EQ(bad.out, "");
    EXPECT_EQ(bad.err, main + ":3:11: seccomp.profile: invalid profile " + profile +
                           ":3:10: syscalls[0].names: unknown syscall 'mkdri'\n");

    Write("seccomp/web.toml", "default_action = \"allow\"\n[[syscalls]]\nnames = [\"mkdir\"]\naction = \"errno\"\n");
    CommandResult fixed = Berthctl({"check-config", main});
    EXPECT_EQ(fixed.exit_code, 0) << Describe(fixed);
    EXPECT_EQ(fixed.out, main + ": ok\n");
}

TEST_F(ConfigCli, CheckConfigAcceptsIncompleteDropIn) {
    std::string drop_in = Write("web.toml.d/10.toml", "[resources]\ntasks_max = 10\n");
    CommandResult r = Berthctl({"check-config", drop_in});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, drop_in + ": ok\n");
}

TEST_F(ConfigCli, ConfigPathFromEnvironment) {
    Write("etc/env.toml", "rootfs = \"/srv/env\"\nhostname = \"from-env\"\n");
    CommandResult r = RunCommand({"/usr/bin/env", "BERTH_CONFIG_PATH=" + ConfigPath(), BerthctlPath(), "show-config", "env"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find("hostname = \"from-env\""), std::string::npos) << r.out;
}

TEST_F(ConfigCli, ShippedExamplesAreValid) {
    std::string example = std::string(BERTH_CONFIG_CLI_SOURCE_ROOT) + "/conf/example.toml";
    CommandResult r = Berthctl({"check-config", example});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, example + ": ok\n");
    config::DaemonConfig daemon =
        config::LoadDaemonConfigFiles({std::string(BERTH_CONFIG_CLI_SOURCE_ROOT) + "/conf/berthd.toml"});
    EXPECT_EQ(daemon, config::DaemonConfig{});  // the shipped file documents the defaults
}

}  // namespace
}  // namespace berth::testing
