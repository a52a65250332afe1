#include "launch/seccomp.hpp"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>

#include "config/seccomp_profile.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth::launch {
namespace {

using config::SeccompAction;
using config::SeccompArg;
using config::SeccompOp;
using config::SeccompRule;

uint32_t ToScmpAction(SeccompAction action, int errno_value) {
    switch (action) {
        case SeccompAction::Allow: return SCMP_ACT_ALLOW;
        case SeccompAction::Errno: return SCMP_ACT_ERRNO(static_cast<uint16_t>(errno_value));
        case SeccompAction::Kill: return SCMP_ACT_KILL_THREAD;
        case SeccompAction::KillProcess: return SCMP_ACT_KILL_PROCESS;
        case SeccompAction::Trap: return SCMP_ACT_TRAP;
        case SeccompAction::Log: return SCMP_ACT_LOG;
        case SeccompAction::Trace: return SCMP_ACT_TRACE(static_cast<uint16_t>(errno_value));
    }
    return SCMP_ACT_KILL_PROCESS;
}

struct ContextFree {
    void operator()(void* ctx) const { seccomp_release(static_cast<scmp_filter_ctx>(ctx)); }
};

scmp_compare ToScmpOp(SeccompOp op) {
    switch (op) {
        case SeccompOp::Ne: return SCMP_CMP_NE;
        case SeccompOp::Lt: return SCMP_CMP_LT;
        case SeccompOp::Le: return SCMP_CMP_LE;
        case SeccompOp::Eq: return SCMP_CMP_EQ;
        case SeccompOp::Ge: return SCMP_CMP_GE;
        case SeccompOp::Gt: return SCMP_CMP_GT;
        case SeccompOp::MaskedEq: return SCMP_CMP_MASKED_EQ;
    }
    return SCMP_CMP_EQ;
}

// The rules libseccomp gets for one syscall: one with every condition, or (when two conditions
// name the same argument, which one libseccomp rule cannot hold) one per condition, as runc does.
std::vector<std::vector<scmp_arg_cmp>> ConditionSets(const std::vector<SeccompArg>& args) {
    std::vector<scmp_arg_cmp> all;
    bool repeated = false;
    for (const SeccompArg& arg : args) {
        for (const scmp_arg_cmp& earlier : all)
            repeated = repeated || earlier.arg == arg.index;
        all.push_back({arg.index, ToScmpOp(arg.op), arg.value, arg.value_two});
    }
    if (!repeated)
        return {all};
    std::vector<std::vector<scmp_arg_cmp>> sets;
    for (const scmp_arg_cmp& cmp : all)
        sets.push_back({cmp});
    return sets;
}

void AddRule(scmp_filter_ctx ctx, uint32_t action, int nr, const std::string& name, const SeccompRule& rule) {
    for (const std::vector<scmp_arg_cmp>& conditions : ConditionSets(rule.args)) {
        int r = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conditions.size()),
                                       conditions.empty() ? nullptr : conditions.data());
        // A syscall this architecture does not have (vm86 on x86_64) needs no rule; a syscall
        // already named by an earlier rule keeps that rule.
        if (r == -EDOM || r == -EEXIST || (r < 0 && nr < 0))
            continue;
        CheckNegErrno(r, "seccomp: add a rule for " + name);
    }
}

}  // namespace

SeccompFilter::SeccompFilter(const config::SeccompProfile& profile) {
    uint32_t default_action = ToScmpAction(profile.default_action, profile.default_errno);
    std::unique_ptr<void, ContextFree> ctx(seccomp_init(default_action));
    if (!ctx)
        throw Error("seccomp_init failed");
    // The exported program carries no attributes: no_new_privs is the configuration's business.
    for (const std::string& arch : profile.architectures) {
        int r = seccomp_arch_add(ctx.get(), seccomp_arch_resolve_name(arch.c_str()));
        if (r != -EEXIST)
            CheckNegErrno(r, "seccomp: add architecture " + arch);
    }
    flags_ = profile.flags;
    for (const SeccompRule& rule : profile.rules) {
        uint32_t action = ToScmpAction(rule.action, rule.errno_value);
        if (action == default_action)
            continue;  // libseccomp refuses rules equal to the default action
        for (const std::string& name : rule.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR)
                throw Error("seccomp: unknown syscall '" + name + "'");
            AddRule(ctx.get(), action, nr, name, rule);
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
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags_, &prog) < 0)
        ThrowErrno("load the seccomp filter");
}

std::unique_ptr<SeccompFilter> MakeSeccompFilter(const config::SeccompConfig& config) {
    switch (config.mode) {
        case config::SeccompMode::Unconfined:
            return nullptr;
        case config::SeccompMode::Default:
            return std::make_unique<SeccompFilter>(config::DefaultSeccompProfile());
        case config::SeccompMode::Profile:
            return std::make_unique<SeccompFilter>(config.profile);
    }
    return nullptr;
}

}  // namespace berth::launch
