#include "launch/seccomp.hpp"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>

#include <toml++/toml.h>

#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::launch {
namespace {

uint32_t ToReturnValue(SeccompAction action, int errno_value) {
    switch (action) {
        case SeccompAction::Allow: return SECCOMP_RET_ALLOW;
        case SeccompAction::Errno: return SECCOMP_RET_ERRNO | (static_cast<uint32_t>(errno_value) & SECCOMP_RET_DATA);
        case SeccompAction::Kill: return SECCOMP_RET_KILL_THREAD;
        case SeccompAction::KillProcess: return SECCOMP_RET_KILL_PROCESS;
        case SeccompAction::Trap: return SECCOMP_RET_TRAP;
        case SeccompAction::Log: return SECCOMP_RET_LOG;
    }
    return SECCOMP_RET_KILL_PROCESS;
}

#if defined(__x86_64__)
constexpr uint32_t kNativeAuditArch = AUDIT_ARCH_X86_64;
constexpr uint32_t kX32SyscallBit = 0x40000000;  // x32 shares the arch value: tell it apart by this bit
#elif defined(__aarch64__)
constexpr uint32_t kNativeAuditArch = AUDIT_ARCH_AARCH64;
constexpr uint32_t kX32SyscallBit = 0;
#else
#error "seccomp: unsupported architecture"
#endif

[[noreturn]] void ProfileError(const std::string& origin, const toml::source_region& where, const std::string& what) {
    throw Error(origin + ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column) + ": " + what);
}

SeccompAction ReadAction(const toml::node& node, const std::string& origin, const std::string& key) {
    std::optional<std::string> name = node.value<std::string>();
    if (!name)
        ProfileError(origin, node.source(), key + ": expected a string");
    std::optional<SeccompAction> action = SeccompActionFromName(*name);
    if (!action)
        ProfileError(origin, node.source(),
                     key + ": unknown action '" + *name + "' (allow, errno, kill, kill_process, trap, log)");
    return *action;
}

int ReadErrno(const toml::node& node, const std::string& origin, const std::string& key) {
    std::optional<int64_t> value = node.value<int64_t>();
    if (!value || *value < 0 || *value > 4095)
        ProfileError(origin, node.source(), key + ": expected an errno number between 0 and 4095");
    return static_cast<int>(*value);
}

}  // namespace

std::optional<SeccompAction> SeccompActionFromName(const std::string& name) {
    if (name == "allow") return SeccompAction::Allow;
    if (name == "errno") return SeccompAction::Errno;
    if (name == "kill") return SeccompAction::Kill;
    if (name == "kill_process") return SeccompAction::KillProcess;
    if (name == "trap") return SeccompAction::Trap;
    if (name == "log") return SeccompAction::Log;
    return std::nullopt;
}

const std::vector<std::string>& DefaultDeniedSyscalls() {
    static const std::vector<std::string> names = {
        "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
        "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "init_module",
        "ioperm", "iopl", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mount",
        "mount_setattr", "move_mount", "name_to_handle_at", "nfsservctl", "open_by_handle_at",
        "open_tree", "perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev",
        "ptrace", "query_module", "quotactl", "quotactl_fd", "reboot", "request_key", "setns",
        "settimeofday", "swapoff", "swapon", "_sysctl", "syslog", "umount2", "unshare", "uselib",
        "userfaultfd", "ustat", "vm86", "vm86old",
    };
    return names;
}

SeccompProfile DefaultSeccompProfile() {
    SeccompProfile profile;
    profile.default_action = SeccompAction::Allow;
    profile.rules.push_back({DefaultDeniedSyscalls(), SeccompAction::Errno, EPERM});
    return profile;
}

SeccompProfile ParseSeccompProfile(const std::string& toml_text, const std::string& origin) {
    toml::table table;
    try {
        table = toml::parse(toml_text, origin);
    } catch (const toml::parse_error& e) {
        ProfileError(origin, e.source(), std::string(e.description()));
    }
    SeccompProfile profile;
    profile.rules.clear();
    for (const auto& [key, node] : table) {
        std::string k(key.str());
        if (k == "default_action") {
            profile.default_action = ReadAction(node, origin, k);
        } else if (k == "default_errno") {
            profile.default_errno = ReadErrno(node, origin, k);
        } else if (k == "syscalls") {
            const toml::array* rules = node.as_array();
            if (!rules)
                ProfileError(origin, node.source(), "syscalls: expected an array of tables ([[syscalls]])");
            size_t index = 0;
            for (const toml::node& entry : *rules) {
                std::string prefix = "syscalls[" + std::to_string(index++) + "]";
                const toml::table* rule_table = entry.as_table();
                if (!rule_table)
                    ProfileError(origin, entry.source(), prefix + ": expected a table");
                SeccompRule rule;
                bool has_action = false;
                for (const auto& [rkey, rnode] : *rule_table) {
                    std::string rk(rkey.str());
                    if (rk == "names") {
                        const toml::array* names = rnode.as_array();
                        if (!names)
                            ProfileError(origin, rnode.source(), prefix + ".names: expected an array of strings");
                        for (const toml::node& n : *names) {
                            std::optional<std::string> name = n.value<std::string>();
                            if (!name)
                                ProfileError(origin, n.source(), prefix + ".names: expected an array of strings");
                            if (seccomp_syscall_resolve_name(name->c_str()) == __NR_SCMP_ERROR)
                                ProfileError(origin, n.source(), prefix + ".names: unknown syscall '" + *name + "'");
                            rule.names.push_back(*name);
                        }
                    } else if (rk == "action") {
                        rule.action = ReadAction(rnode, origin, prefix + ".action");
                        has_action = true;
                    } else if (rk == "errno") {
                        rule.errno_value = ReadErrno(rnode, origin, prefix + ".errno");
                    } else {
                        ProfileError(origin, rnode.source(), prefix + "." + rk + ": unknown key");
                    }
                }
                if (!has_action)
                    ProfileError(origin, entry.source(), prefix + ".action: missing");
                if (rule.names.empty())
                    ProfileError(origin, entry.source(), prefix + ".names: missing or empty");
                profile.rules.push_back(std::move(rule));
            }
        } else {
            ProfileError(origin, node.source(), k + ": unknown key");
        }
    }
    return profile;
}

SeccompFilter::SeccompFilter(const SeccompProfile& profile) {
    auto stmt = [this](uint16_t code, uint32_t k) { program_.push_back({code, 0, 0, k}); };
    auto jump = [this](uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { program_.push_back({code, jt, jf, k}); };
    // Another ABI (i386 via int 0x80, x32) would index a different syscall table: kill it.
    stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
    jump(BPF_JMP | BPF_JEQ | BPF_K, kNativeAuditArch, 1, 0);
    stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
    if (kX32SyscallBit != 0) {
        jump(BPF_JMP | BPF_JGE | BPF_K, kX32SyscallBit, 0, 1);
        stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    }
    uint32_t default_action = ToReturnValue(profile.default_action, profile.default_errno);
    std::vector<int> seen;
    for (const SeccompRule& rule : profile.rules) {
        uint32_t action = ToReturnValue(rule.action, rule.errno_value);
        for (const std::string& name : rule.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR)
                throw Error("seccomp: unknown syscall '" + name + "'");
            // Negative: a syscall this architecture does not have (vm86 on x86_64): nothing to match.
            if (nr < 0 || std::find(seen.begin(), seen.end(), nr) != seen.end())
                continue;
            seen.push_back(nr);
            if (action == default_action)
                continue;
            jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 1);
            stmt(BPF_RET | BPF_K, action);
        }
    }
    stmt(BPF_RET | BPF_K, default_action);
    if (program_.size() > BPF_MAXINSNS)
        throw Error("seccomp: the profile needs " + std::to_string(program_.size()) + " instructions, more than " +
                    std::to_string(BPF_MAXINSNS));
}

void SeccompFilter::Load() const {
    static_assert(sizeof(Instruction) == sizeof(sock_filter));
    sock_fprog prog{static_cast<unsigned short>(program_.size()),
                    reinterpret_cast<sock_filter*>(const_cast<Instruction*>(program_.data()))};
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
        ThrowErrno("load the seccomp filter");
}

std::unique_ptr<SeccompFilter> MakeSeccompFilter(const config::SeccompConfig& config) {
    switch (config.mode) {
        case config::SeccompMode::Unconfined:
            return nullptr;
        case config::SeccompMode::Default:
            return std::make_unique<SeccompFilter>(DefaultSeccompProfile());
        case config::SeccompMode::Profile:
            return std::make_unique<SeccompFilter>(
                ParseSeccompProfile(ReadFile(config.profile), config.profile));
    }
    return nullptr;
}

}  // namespace berth::launch
