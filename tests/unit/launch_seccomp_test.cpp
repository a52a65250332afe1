// Seccomp filters compiled from typed profiles (the files are parsed by config: config_seccomp_profile_test).
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstddef>

#include "config/seccomp_profile.hpp"
#include "launch/seccomp.hpp"
#include "util/error.hpp"

namespace berth::launch {
namespace {

using config::DefaultDeniedSyscalls;
using config::DefaultSeccompProfile;
using config::SeccompAction;
using config::SeccompProfile;


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
