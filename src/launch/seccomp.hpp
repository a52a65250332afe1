#pragma once
// The container's seccomp filter (libseccomp): a default profile in the spirit of Docker's,
// `unconfined`, or a profile file.
//
// Profile file format (TOML):
//   default_action = "allow"        # allow | errno | kill | kill_process | trap | log
//   default_errno = 1               # with default_action = "errno" (default EPERM)
//   [[syscalls]]
//   names = ["mount", "umount2"]
//   action = "errno"                # same actions as above
//   errno = 1                       # with action = "errno" (default EPERM; "trace": the tracer's value)
//   args = [{ index = 0, value = "1", value_two = "0", op = "eq" }]  # ne lt le eq ge gt masked_eq
// Optional: architectures = ["x86_64", "x86"] (libseccomp names; the native one is always in),
// flags = ["tsync", "log", "spec_allow"] (seccomp(2) filter flags). Conditions on different
// arguments of one rule must all hold; several on the same argument make one rule each.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.hpp"

namespace berth::launch {

enum class SeccompAction { Allow, Errno, Kill, KillProcess, Trap, Log, Trace };

enum class SeccompOp { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq };

// A condition on one argument of the syscall (libseccomp's scmp_arg_cmp).
struct SeccompArg {
    unsigned index = 0;  // 0..5
    uint64_t value = 0;
    uint64_t value_two = 0;  // the mask's operand with masked_eq
    SeccompOp op = SeccompOp::Eq;
    friend bool operator==(const SeccompArg&, const SeccompArg&) = default;
};

struct SeccompRule {
    std::vector<std::string> names;
    SeccompAction action = SeccompAction::Errno;
    int errno_value = 1;  // EPERM
    std::vector<SeccompArg> args;
    friend bool operator==(const SeccompRule&, const SeccompRule&) = default;
};

struct SeccompProfile {
    SeccompAction default_action = SeccompAction::Allow;
    int default_errno = 1;
    std::vector<std::string> architectures;  // libseccomp names besides the native one
    unsigned flags = 0;                      // SECCOMP_FILTER_FLAG_* for seccomp(2)
    std::vector<SeccompRule> rules;
    friend bool operator==(const SeccompProfile&, const SeccompProfile&) = default;
};

// "allow" -> Allow, ...; nullopt for an unknown name.
std::optional<SeccompAction> SeccompActionFromName(const std::string& name);

// The syscalls the default profile denies with EPERM (system administration, kernel modules,
// keyrings, tracing, namespaces and mounts: the init has done all its mounting before loading).
const std::vector<std::string>& DefaultDeniedSyscalls();
SeccompProfile DefaultSeccompProfile();

// Parses a profile file's text; errors name `origin` and the offending key.
SeccompProfile ParseSeccompProfile(const std::string& toml_text, const std::string& origin);

// A compiled filter, ready to load. libseccomp builds it in the parent and exports the BPF
// program (seccomp_export_bpf); the child only hands those bytes to seccomp(2) right before
// exec, so no libseccomp code (or its allocations) runs in the child.
class SeccompFilter {
public:
    explicit SeccompFilter(const SeccompProfile& profile);
    // Installs the filter on the calling thread (needs no_new_privs or CAP_SYS_ADMIN).
    void Load() const;
    // The exported program, {code, jt, jf, k} per instruction (struct sock_filter's layout).
    struct Instruction {
        uint16_t code;
        uint8_t jt, jf;
        uint32_t k;
    };
    const std::vector<Instruction>& Program() const { return program_; }

private:
    std::vector<Instruction> program_;
    unsigned flags_ = 0;
};

// The filter a configuration asks for; nullptr for `unconfined`. Reads the profile file.
std::unique_ptr<SeccompFilter> MakeSeccompFilter(const config::SeccompConfig& config);

}  // namespace berth::launch
