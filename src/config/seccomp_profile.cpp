#include "config/seccomp_profile.hpp"

#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <toml++/toml.h>

#include "config/loader.hpp"
#include "config/toml_document.hpp"
#include "util/file.hpp"
#include "util/toml_integer.hpp"

namespace berth::config {
namespace {

[[noreturn]] void ProfileError(const std::string& origin, const toml::source_region& where, const std::string& key,
                              const std::string& reason) {
    throw ConfigError(origin, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column), key, reason);
}

SeccompAction ReadAction(const toml::node& node, const std::string& origin, const std::string& key) {
    std::optional<std::string> name = node.value<std::string>();
    if (!name)
        ProfileError(origin, node.source(), key, "expected a string");
    std::optional<SeccompAction> action = SeccompActionFromName(*name);
    if (!action)
        ProfileError(origin, node.source(),
                     key, "unknown action '" + *name + "' (allow, errno, kill, kill_process, trap, log)");
    return *action;
}

int ReadErrno(const toml::node& node, const std::string& origin, const std::string& key) {
    std::optional<int64_t> value = TomlInteger(node);
    if (!value || *value < 0 || *value > 4095)
        ProfileError(origin, node.source(), key, "expected an errno number between 0 and 4095");
    return static_cast<int>(*value);
}

const toml::array& ReadArray(const toml::node& node, const std::string& origin, const std::string& key) {
    const toml::array* array = node.as_array();
    if (!array)
        ProfileError(origin, node.source(), key, "expected an array");
    return *array;
}

std::string ReadString(const toml::node& node, const std::string& origin, const std::string& key) {
    std::optional<std::string> text = node.value<std::string>();
    if (!text)
        ProfileError(origin, node.source(), key, "expected a string");
    return *text;
}

// A 64-bit value: a TOML integer, or a decimal string for values above INT64_MAX.
uint64_t ReadU64(const toml::node& node, const std::string& origin, const std::string& key) {
    if (std::optional<int64_t> number = TomlInteger(node); number && *number >= 0)
        return static_cast<uint64_t>(*number);
    std::optional<std::string> text = node.value<std::string>();
    if (text && !text->empty() && text->find_first_not_of("0123456789") == std::string::npos && text->size() <= 20)
        return std::stoull(*text);
    ProfileError(origin, node.source(), key, "expected a non-negative integer");
}

std::optional<SeccompOp> SeccompOpFromName(const std::string& name) {
    static const std::pair<const char*, SeccompOp> kOps[] = {
        {"ne", SeccompOp::Ne}, {"lt", SeccompOp::Lt}, {"le", SeccompOp::Le},          {"eq", SeccompOp::Eq},
        {"ge", SeccompOp::Ge}, {"gt", SeccompOp::Gt}, {"masked_eq", SeccompOp::MaskedEq},
    };
    for (const auto& [text, op] : kOps)
        if (name == text)
            return op;
    return std::nullopt;
}

SeccompArg ReadArg(const toml::node& node, const std::string& origin, const std::string& key) {
    const toml::table* table = node.as_table();
    if (!table)
        ProfileError(origin, node.source(), key, "expected a table");
    SeccompArg arg;
    bool has_value = false;
    for (const auto& [akey, anode] : *table) {
        std::string ak(akey.str());
        if (ak == "index") {
            uint64_t index = ReadU64(anode, origin, key + ".index");
            if (index > 5)
                ProfileError(origin, anode.source(), key + ".index", "expected 0..5");
            arg.index = static_cast<unsigned>(index);
        } else if (ak == "value") {
            arg.value = ReadU64(anode, origin, key + ".value");
            has_value = true;
        } else if (ak == "value_two") {
            arg.value_two = ReadU64(anode, origin, key + ".value_two");
        } else if (ak == "op") {
            std::optional<SeccompOp> op = SeccompOpFromName(ReadString(anode, origin, key + ".op"));
            if (!op)
                ProfileError(origin, anode.source(), key + ".op", "expected ne, lt, le, eq, ge, gt or masked_eq");
            arg.op = *op;
        } else {
            ProfileError(origin, anode.source(), key + "." + ak, "unknown key");
        }
    }
    if (!has_value)
        ProfileError(origin, node.source(), key + ".value", "missing");
    return arg;
}

std::vector<SeccompArg> ReadArgs(const toml::node& node, const std::string& origin, const std::string& key) {
    std::vector<SeccompArg> args;
    size_t i = 0;
    for (const toml::node& entry : ReadArray(node, origin, key))
        args.push_back(ReadArg(entry, origin, key + "[" + std::to_string(i++) + "]"));
    return args;
}

std::vector<std::string> ReadArchitectures(const toml::node& node, const std::string& origin) {
    std::vector<std::string> arches;
    for (const toml::node& entry : ReadArray(node, origin, "architectures")) {
        std::string name = ReadString(entry, origin, "architectures");
        if (seccomp_arch_resolve_name(name.c_str()) == 0)
            ProfileError(origin, entry.source(), "architectures", "unknown architecture '" + name + "'");
        arches.push_back(name);
    }
    return arches;
}

unsigned ReadFlags(const toml::node& node, const std::string& origin) {
    unsigned flags = 0;
    for (const toml::node& entry : ReadArray(node, origin, "flags")) {
        std::string name = ReadString(entry, origin, "flags");
        if (name == "tsync")
            flags |= SECCOMP_FILTER_FLAG_TSYNC;
        else if (name == "log")
            flags |= SECCOMP_FILTER_FLAG_LOG;
        else if (name == "spec_allow")
            flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        else
            ProfileError(origin, entry.source(), "flags", "unknown flag '" + name + "' (tsync, log, spec_allow)");
    }
    return flags;
}

}  // namespace

std::optional<SeccompAction> SeccompActionFromName(const std::string& name) {
    if (name == "allow") return SeccompAction::Allow;
    if (name == "errno") return SeccompAction::Errno;
    if (name == "kill") return SeccompAction::Kill;
    if (name == "kill_process") return SeccompAction::KillProcess;
    if (name == "trap") return SeccompAction::Trap;
    if (name == "log") return SeccompAction::Log;
    if (name == "trace") return SeccompAction::Trace;
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
    // As Docker's default: no new namespaces through clone either (unshare is denied above), and
    // clone3, whose flags a filter cannot see, answers ENOSYS so that libc falls back to clone.
    // Several conditions on one argument make one rule each, so any CLONE_NEW* bit is refused.
    SeccompRule clone_new{{"clone"}, SeccompAction::Errno, EPERM, {}};
    for (uint64_t bit : {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
                         CLONE_NEWCGROUP})
        clone_new.args.push_back({0, bit, bit, SeccompOp::MaskedEq});
    profile.rules.push_back(std::move(clone_new));
    profile.rules.push_back({{"clone3"}, SeccompAction::Errno, ENOSYS});
    return profile;
}

SeccompProfile ParseSeccompProfile(const std::string& toml_text, const std::string& origin) {
    toml::table table;
    try {
        table = config::ParseBoundedToml(toml_text, origin);
    } catch (const toml::parse_error& e) {
        ProfileError(origin, e.source(), "", std::string(e.description()));
    }
    SeccompProfile profile;
    profile.rules.clear();
    for (const auto& [key, node] : table) {
        std::string k(key.str());
        if (k == "default_action") {
            profile.default_action = ReadAction(node, origin, k);
        } else if (k == "default_errno") {
            profile.default_errno = ReadErrno(node, origin, k);
        } else if (k == "architectures") {
            profile.architectures = ReadArchitectures(node, origin);
        } else if (k == "flags") {
            profile.flags = ReadFlags(node, origin);
        } else if (k == "syscalls") {
            const toml::array* rules = node.as_array();
            if (!rules)
                ProfileError(origin, node.source(), "syscalls", "expected an array of tables ([[syscalls]])");
            size_t index = 0;
            for (const toml::node& entry : *rules) {
                std::string prefix = "syscalls[" + std::to_string(index++) + "]";
                const toml::table* rule_table = entry.as_table();
                if (!rule_table)
                    ProfileError(origin, entry.source(), prefix, "expected a table");
                SeccompRule rule;
                bool has_action = false;
                for (const auto& [rkey, rnode] : *rule_table) {
                    std::string rk(rkey.str());
                    if (rk == "names") {
                        const toml::array* names = rnode.as_array();
                        if (!names)
                            ProfileError(origin, rnode.source(), prefix + ".names", "expected an array of strings");
                        for (const toml::node& n : *names) {
                            std::optional<std::string> name = n.value<std::string>();
                            if (!name)
                                ProfileError(origin, n.source(), prefix + ".names", "expected an array of strings");
                            if (seccomp_syscall_resolve_name(name->c_str()) == __NR_SCMP_ERROR)
                                ProfileError(origin, n.source(), prefix + ".names", "unknown syscall '" + *name + "'");
                            rule.names.push_back(*name);
                        }
                    } else if (rk == "action") {
                        rule.action = ReadAction(rnode, origin, prefix + ".action");
                        has_action = true;
                    } else if (rk == "errno") {
                        rule.errno_value = ReadErrno(rnode, origin, prefix + ".errno");
                    } else if (rk == "args") {
                        rule.args = ReadArgs(rnode, origin, prefix + ".args");
                    } else {
                        ProfileError(origin, rnode.source(), prefix + "." + rk, "unknown key");
                    }
                }
                if (!has_action)
                    ProfileError(origin, entry.source(), prefix + ".action", "missing");
                if (rule.names.empty())
                    ProfileError(origin, entry.source(), prefix + ".names", "missing or empty");
                profile.rules.push_back(std::move(rule));
            }
        } else {
            ProfileError(origin, node.source(), k, "unknown key");
        }
    }
    return profile;
}

SeccompConfig LoadSeccompProfile(const std::string& path) {
    return {SeccompMode::Profile, ParseSeccompProfile(ReadRegularFile(path, kMaxTomlBytes), path), path};
}

}  // namespace berth::config
