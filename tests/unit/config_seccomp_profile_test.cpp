// Seccomp profile files: parsed and their names checked when the configuration is loaded, so
// a bad profile is a configuration error with the file, line, key and reason.
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <unistd.h>

#include <string>

#include "config/defaults.hpp"
#include "config/loader.hpp"
#include "config/seccomp_profile.hpp"
#include "config_test_support.hpp"
#include "util/error.hpp"

namespace berth::config {
namespace {

using testing::CaptureConfigError;
using testing::TempDir;

std::string ErrorOf(const std::string& text) {
    try {
        ParseSeccompProfile(text, "p.toml");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(ConfigSeccompProfile, ParsesActionsAndErrno) {
    SeccompProfile p = ParseSeccompProfile(R"(
default_action = "errno"
default_errno = 38
[[syscalls]]
names = ["read", "write"]
action = "allow"
[[syscalls]]
names = ["mkdir"]
action = "errno"
errno = 13
[[syscalls]]
names = ["ptrace"]
action = "kill_process"
)", "p.toml");
    EXPECT_EQ(p.default_action, SeccompAction::Errno);
    EXPECT_EQ(p.default_errno, 38);
    ASSERT_EQ(p.rules.size(), 3u);
    EXPECT_EQ(p.rules[0].names, (std::vector<std::string>{"read", "write"}));
    EXPECT_EQ(p.rules[0].action, SeccompAction::Allow);
    EXPECT_EQ(p.rules[1].errno_value, 13);
    EXPECT_EQ(p.rules[2].action, SeccompAction::KillProcess);
}

TEST(ConfigSeccompProfile, DefaultsWhenLeftOut) {
    SeccompProfile p = ParseSeccompProfile("[[syscalls]]\nnames = [\"mount\"]\naction = \"errno\"\n", "p.toml");
    EXPECT_EQ(p.default_action, SeccompAction::Allow);
    ASSERT_EQ(p.rules.size(), 1u);
    EXPECT_EQ(p.rules[0].errno_value, 1);  // EPERM
}

TEST(ConfigSeccompProfile, ErrorsNameFileLineAndKey) {
    EXPECT_EQ(ErrorOf("default_action = \"explode\"\n"),
              "p.toml:1:18: default_action: unknown action 'explode' (allow, errno, kill, kill_process, trap, log)");
    EXPECT_EQ(ErrorOf("\n[[syscalls]]\nnames = [\"no_such_syscall\"]\naction = \"errno\"\n"),
              "p.toml:3:10: syscalls[0].names: unknown syscall 'no_such_syscall'");
    EXPECT_EQ(ErrorOf("[[syscalls]]\nnames = [\"read\"]\n"), "p.toml:1:1: syscalls[0].action: missing");
    EXPECT_EQ(ErrorOf("colour = 1\n"), "p.toml:1:10: colour: unknown key");
    EXPECT_EQ(ErrorOf("[[syscalls]]\nnames = [\"read\"]\naction = \"errno\"\nerrno = 99999\n"),
              "p.toml:4:9: syscalls[0].errno: expected an errno number between 0 and 4095");
    EXPECT_NE(ErrorOf("default_action = \n"), "");  // TOML syntax error
}

TEST(ConfigSeccompProfile, ArchitecturesFlagsAndArgsAreCheckedAgainstLibseccomp) {
    EXPECT_EQ(ErrorOf("architectures = [\"x86_64\", \"pdp11\"]\n"),
              "p.toml:1:28: architectures: unknown architecture 'pdp11'");
    EXPECT_EQ(ErrorOf("flags = [\"tsync\", \"fast\"]\n"), "p.toml:1:19: flags: unknown flag 'fast' (tsync, log, spec_allow)");
    EXPECT_EQ(ErrorOf("[[syscalls]]\nnames = [\"read\"]\naction = \"errno\"\nargs = [{ index = 6, value = 1 }]\n"),
              "p.toml:4:19: syscalls[0].args[0].index: expected 0..5");
    SeccompProfile p = ParseSeccompProfile(
        "architectures = [\"x86\"]\nflags = [\"log\"]\n[[syscalls]]\nnames = [\"personality\"]\naction = \"errno\"\n"
        "args = [{ index = 0, value = \"18446744073709551615\", op = \"ne\" }]\n",
        "p.toml");
    EXPECT_EQ(p.architectures, std::vector<std::string>{"x86"});
    ASSERT_EQ(p.rules.size(), 1u);
    ASSERT_EQ(p.rules[0].args.size(), 1u);
    EXPECT_EQ(p.rules[0].args[0].value, ~uint64_t{0});
    EXPECT_EQ(p.rules[0].args[0].op, SeccompOp::Ne);
}

class ConfigSeccompProfileFile : public ::testing::Test {
protected:
    TempDir dir_;
};

TEST_F(ConfigSeccompProfileFile, LoadingTheConfigurationReadsTheProfile) {
    std::string profile = dir_.Write("deny-mkdir.toml", "[[syscalls]]\nnames = [\"mkdir\"]\naction = \"errno\"\nerrno = 13\n");
    std::string main = dir_.Write("web.toml", "rootfs = \"/srv/web\"\n[seccomp]\nprofile = \"" + profile + "\"\n");
    ContainerConfig config = LoadContainerConfigFiles("web", {main});
    EXPECT_EQ(config.seccomp.mode, SeccompMode::Profile);
    EXPECT_EQ(config.seccomp.profile_path, profile);
    ASSERT_EQ(config.seccomp.profile.rules.size(), 1u);
    EXPECT_EQ(config.seccomp.profile.rules[0].names, std::vector<std::string>{"mkdir"});
    EXPECT_EQ(config.seccomp.profile.rules[0].errno_value, 13);
    // The stored form names the file and carries the profile as loaded: reading it back gives
    // the same profile, also once the file has changed or is gone.
    std::string stored = FormatContainerConfig(config);
    EXPECT_EQ(ParseContainerConfigString("web", stored, "stored"), config);
    dir_.Write("deny-mkdir.toml", "[[syscalls]]\nnames = [\"rmdir\"]\naction = \"kill\"\n");
    EXPECT_EQ(ParseContainerConfigString("web", stored, "stored"), config) << "the file changed";
    ASSERT_EQ(::unlink(profile.c_str()), 0);
    EXPECT_EQ(ParseContainerConfigString("web", stored, "stored"), config) << "the file is gone";
}

TEST(ConfigSeccompProfileFormat, EveryPartOfAProfileRoundTrips) {
    SeccompProfile p;
    p.default_action = SeccompAction::Errno;
    p.default_errno = 38;
    p.architectures = {"x86", "x32"};
    p.flags = SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    p.rules.push_back({{"mkdir", "rmdir"}, SeccompAction::Trace, 7, {}});
    p.rules.push_back({{"personality"}, SeccompAction::Allow, 1,
                       {{0, 0xffffffffffffffffULL, 0, SeccompOp::Ne}, {1, 8, 8, SeccompOp::MaskedEq}}});
    for (SeccompAction action : {SeccompAction::Kill, SeccompAction::KillProcess, SeccompAction::Trap, SeccompAction::Log})
        p.rules.push_back({{"chroot"}, action, 1, {{2, 3, 0, SeccompOp::Lt}, {3, 4, 0, SeccompOp::Le},
                                                   {4, 5, 0, SeccompOp::Ge}, {5, 6, 0, SeccompOp::Gt},
                                                   {0, 1, 0, SeccompOp::Eq}}});
    EXPECT_EQ(ParseSeccompProfile(FormatSeccompProfile(p), "formatted"), p) << FormatSeccompProfile(p);
    EXPECT_EQ(ParseSeccompProfile(FormatSeccompProfile(DefaultSeccompProfile()), "formatted"), DefaultSeccompProfile());
}

TEST_F(ConfigSeccompProfileFile, AStoredProfileTextIsCheckedToo) {
    std::string main = dir_.Write("web.toml", "rootfs = \"/srv/web\"\n[seccomp]\nprofile = \"/p.toml\"\nloaded = "
                                              "\"[[syscalls]]\\nnames = [\\\"mkdri\\\"]\\naction = \\\"errno\\\"\\n\"\n");
    ConfigError e = CaptureConfigError([&] { LoadContainerConfigFiles("web", {main}); });
    EXPECT_EQ(e.KeyPath(), "seccomp.loaded");
    EXPECT_NE(e.Reason().find("unknown syscall 'mkdri'"), std::string::npos) << e.Reason();
}

TEST_F(ConfigSeccompProfileFile, ABadProfileIsTheConfigurationsErrorWithBothFilesKeyAndReason) {
    std::string profile = dir_.Write("bad.toml", "[[syscalls]]\nnames = [\"mkdri\"]\naction = \"errno\"\n");
    std::string main = dir_.Write("web.toml", "rootfs = \"/srv/web\"\n[seccomp]\nprofile = \"" + profile + "\"\n");
    ConfigError e = CaptureConfigError([&] { LoadContainerConfigFiles("web", {main}); });
    EXPECT_EQ(e.File(), main);
    EXPECT_EQ(e.Line(), 3);
    EXPECT_EQ(e.KeyPath(), "seccomp.profile");
    EXPECT_EQ(e.Reason(), "invalid profile " + profile + ":2:10: syscalls[0].names: unknown syscall 'mkdri'");
    std::vector<ConfigError> checked = CheckContainerConfigFile(main, false);
    ASSERT_EQ(checked.size(), 1u);
    EXPECT_EQ(checked[0].Reason(), e.Reason());
}

TEST_F(ConfigSeccompProfileFile, AMissingProfileIsTheConfigurationsError) {
    std::string main = dir_.Write("web.toml", "rootfs = \"/srv/web\"\n[seccomp]\nprofile = \"" + dir_.Path() + "/none.toml\"\n");
    ConfigError e = CaptureConfigError([&] { LoadContainerConfigFiles("web", {main}); });
    EXPECT_EQ(e.KeyPath(), "seccomp.profile");
    EXPECT_NE(e.Reason().find("unusable profile"), std::string::npos) << e.Reason();
    EXPECT_NE(e.Reason().find("No such file or directory"), std::string::npos) << e.Reason();
}

}  // namespace
}  // namespace berth::config
