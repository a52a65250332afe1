// A parsed seccomp profile written back as profile-file TOML (config/seccomp_profile.hpp's
// format): what a container's stored configuration keeps as seccomp.loaded, so it goes on running
// and exec'ing with the profile it was started with, whatever happens to the file.
#include <linux/seccomp.h>

#include <sstream>

#include "config/seccomp_profile.hpp"
#include "config/toml_write.hpp"

namespace berth::config {
namespace {

const char* ActionName(SeccompAction action) {
    switch (action) {
        case SeccompAction::Allow: return "allow";
        case SeccompAction::Errno: return "errno";
        case SeccompAction::Kill: return "kill";
        case SeccompAction::KillProcess: return "kill_process";
        case SeccompAction::Trap: return "trap";
        case SeccompAction::Log: return "log";
        case SeccompAction::Trace: return "trace";
    }
    return "kill";
}

const char* OpName(SeccompOp op) {
    switch (op) {
        case SeccompOp::Ne: return "ne";
        case SeccompOp::Lt: return "lt";
        case SeccompOp::Le: return "le";
        case SeccompOp::Eq: return "eq";
        case SeccompOp::Ge: return "ge";
        case SeccompOp::Gt: return "gt";
        case SeccompOp::MaskedEq: return "masked_eq";
    }
    return "eq";
}

std::vector<std::string> FlagNames(unsigned flags) {
    std::vector<std::string> names;
    if (flags & SECCOMP_FILTER_FLAG_TSYNC)
        names.emplace_back("tsync");
    if (flags & SECCOMP_FILTER_FLAG_LOG)
        names.emplace_back("log");
    if (flags & SECCOMP_FILTER_FLAG_SPEC_ALLOW)
        names.emplace_back("spec_allow");
    return names;
}

}  // namespace

std::string FormatSeccompProfile(const SeccompProfile& profile) {
    std::ostringstream out;
    out << "default_action = " << Quote(ActionName(profile.default_action)) << "\n"
        << "default_errno = " << profile.default_errno << "\n"
        << "architectures = " << StringList(profile.architectures) << "\n"
        << "flags = " << StringList(FlagNames(profile.flags)) << "\n";
    for (const SeccompRule& rule : profile.rules) {
        out << "\n[[syscalls]]\nnames = " << StringList(rule.names) << "\naction = " << Quote(ActionName(rule.action))
            << "\nerrno = " << rule.errno_value << "\nargs = [";
        const char* separator = "";
        // Values as decimal strings: a TOML integer stops at INT64_MAX.
        for (const SeccompArg& arg : rule.args) {
            out << separator << "{ index = " << arg.index << ", value = \"" << arg.value << "\", value_two = \""
                << arg.value_two << "\", op = " << Quote(OpName(arg.op)) << " }";
            separator = ", ";
        }
        out << "]\n";
    }
    return out.str();
}

}  // namespace berth::config
