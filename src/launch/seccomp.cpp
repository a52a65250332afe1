#include "launch/seccomp.hpp"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>

#include <toml++/toml.h>

#include "config/toml_document.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

namespace berth::launch {
namespace {

uint32_t ToScmpAction(SeccompAction action, int errno_value) {
    switch (action) {
        case SeccompAction::Allow: return SCMP_ACT_ALLOW;
        case SeccompAction::Errno: return SCMP_ACT_ERRNO(static_cast<uint16_t>(errno_value));
        case SeccompAction::Kill: return SCMP_ACT_KILL_THREAD;
        case SeccompAction::KillProcess: return SCMP_ACT_KILL_PROCESS;
        case SeccompAction::Trap: return SCMP_ACT_TRAP;
        case SeccompAction::Log: return SCMP_ACT_LOG;
    }
    return SCMP_ACT_KILL_PROCESS;
}

struct ContextFree {
    void operator()(void* ctx) const { seccomp_release(static_cast<scmp_filter_ctx>(ctx)); }
};

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
        table = config::ParseBoundedToml(toml_text, origin);
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
    uint32_t default_action = ToScmpAction(profile.default_action, profile.default_errno);
    std::unique_ptr<void, ContextFree> ctx(seccomp_init(default_action));
    if (!ctx)
        throw Error("seccomp_init failed");
    // The exported program carries no attributes: no_new_privs is the configuration's business.
    for (const SeccompRule& rule : profile.rules) {
        uint32_t action = ToScmpAction(rule.action, rule.errno_value);
        if (action == default_action)
            continue;  // libseccomp refuses rules equal to the default action
        for (const std::string& name : rule.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR)
                throw Error("seccomp: unknown syscall '" + name + "'");
            int r = seccomp_rule_add(ctx.get(), action, nr, 0);
            // A syscall this architecture does not have (vm86 on x86_64) needs no rule; a syscall
            // already named by an earlier rule keeps that rule.
            if (r == -EDOM || r == -EEXIST || (r < 0 && nr < 0))
                continue;
            CheckNegErrno(r, "seccomp: add a rule for " + name);
        }
    }
    UniqueFd memfd(::memfd_create("berth-seccomp", MFD_CLOEXEC));
    if (!memfd)
        ThrowErrno("seccomp: memfd_create");
    CheckNegErrno(seccomp_export_bpf(ctx.get(), memfd.Get()), "seccomp: export the filter");
    off_t size = ::lseek(memfd.Get(), 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(Instruction)) != 0)
        throw Error("seccomp: libseccomp exported a program of " + std::to_string(size) + " bytes");
    program_.resize(static_cast<size_t>(size) / sizeof(Instruction));
    if (::pread(memfd.Get(), program_.data(), static_cast<size_t>(size), 0) != size)
        ThrowErrno("seccomp: read the exported filter");
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
                ParseSeccompProfile(ReadRegularFile(config.profile, config::kMaxTomlBytes), config.profile));
    }
    return nullptr;
}

}  // namespace berth::launch
