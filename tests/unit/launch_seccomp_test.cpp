// Seccomp profile files (TOML) and the default profile.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstddef>

#include "launch/seccomp.hpp"
#include "util/error.hpp"

namespace berth::launch {
namespace {

std::string ErrorOf(const std::string& text) {
    try {
        ParseSeccompProfile(text, "p.toml");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(LaunchSeccompProfile, ParsesActionsAndErrno) {
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

TEST(LaunchSeccompProfile, DefaultsWhenLeftOut) {
    SeccompProfile p = ParseSeccompProfile("[[syscalls]]\nnames = [\"mount\"]\naction = \"errno\"\n", "p.toml");
    EXPECT_EQ(p.default_action, SeccompAction::Allow);
    ASSERT_EQ(p.rules.size(), 1u);
    EXPECT_EQ(p.rules[0].errno_value, 1);  // EPERM
}

TEST(LaunchSeccompProfile, ErrorsNameFileLineAndKey) {
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

TEST(LaunchSeccompProfile, DefaultProfileDeniesTheDangerousAndKeepsTheBasics) {
    const std::vector<std::string>& denied = DefaultDeniedSyscalls();
    for (const char* name : {"kexec_load", "init_module", "finit_module", "delete_module", "bpf", "keyctl",
                             "add_key", "request_key", "perf_event_open", "open_by_handle_at", "reboot", "swapon",
                             "swapoff", "mount", "umount2", "pivot_root", "unshare", "setns", "ptrace", "userfaultfd"})
        EXPECT_NE(std::find(denied.begin(), denied.end(), name), denied.end()) << name;
    for (const char* name : {"execve", "read", "clone", "capset", "setresuid", "prctl"})
        EXPECT_EQ(std::find(denied.begin(), denied.end(), name), denied.end()) << name;
    SeccompProfile p = DefaultSeccompProfile();
    EXPECT_EQ(p.default_action, SeccompAction::Allow);
    EXPECT_NO_THROW(SeccompFilter{p});  // every name compiles on this architecture
}

bool HasInstruction(const std::vector<SeccompFilter::Instruction>& prog, uint16_t code, uint32_t k) {
    for (const SeccompFilter::Instruction& i : prog)
        if (i.code == code && i.k == k)
            return true;
    return false;
}

TEST(LaunchSeccompFilter, LibseccompExportsAProgramThatChecksTheArchAndTheRules) {
    SeccompProfile p;
    p.default_action = SeccompAction::Allow;
    p.rules = {{{"mkdir", "vm86"}, SeccompAction::Errno, 13}, {{"mkdir", "ptrace"}, SeccompAction::KillProcess, 1}};
    SeccompFilter filter(p);
    const std::vector<SeccompFilter::Instruction>& prog = filter.Program();
    ASSERT_FALSE(prog.empty());
    EXPECT_EQ(prog[0].code, BPF_LD | BPF_W | BPF_ABS);
    EXPECT_EQ(prog[0].k, offsetof(seccomp_data, arch));
    EXPECT_TRUE(HasInstruction(prog, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64));
    EXPECT_TRUE(HasInstruction(prog, BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdir));
    EXPECT_TRUE(HasInstruction(prog, BPF_JMP | BPF_JEQ | BPF_K, __NR_ptrace));
    EXPECT_TRUE(HasInstruction(prog, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 13));
    EXPECT_TRUE(HasInstruction(prog, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    EXPECT_TRUE(HasInstruction(prog, BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

TEST(LaunchSeccompFilter, RulesEqualToTheDefaultAddNothing) {
    SeccompProfile only_default;
    only_default.default_action = SeccompAction::Errno;
    only_default.rules = {{{"read", "write"}, SeccompAction::Errno, 1}};
    SeccompProfile with_allow = only_default;
    with_allow.rules.push_back({{"read"}, SeccompAction::Allow, 1});
    EXPECT_LT(SeccompFilter(only_default).Program().size(), SeccompFilter(with_allow).Program().size());
    EXPECT_FALSE(HasInstruction(SeccompFilter(only_default).Program(), BPF_JMP | BPF_JEQ | BPF_K, __NR_read));
}

}  // namespace
}  // namespace berth::launch
