#pragma once
// Seccomp profile files, read and checked when the configuration is loaded (so check-config
// reports a bad one), and the default profile.
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
// Syscall and architecture names are checked against libseccomp's tables here.
#include <optional>
#include <string>
#include <vector>

#include "config/model.hpp"

namespace berth::config {

// "allow" -> Allow, ...; nullopt for an unknown name.
std::optional<SeccompAction> SeccompActionFromName(const std::string& name);

// The syscalls the default profile denies with EPERM (system administration, kernel modules,
// keyrings, tracing, namespaces and mounts: the init has done all its mounting before loading).
const std::vector<std::string>& DefaultDeniedSyscalls();
SeccompProfile DefaultSeccompProfile();

// Parses a profile file's text; throws ConfigError naming `origin`, the line, the offending key
// and the reason (an unknown syscall, action, architecture or key, a value out of range).
SeccompProfile ParseSeccompProfile(const std::string& toml_text, const std::string& origin);

// The profile as profile-file text, which ParseSeccompProfile reads back to the same profile.
std::string FormatSeccompProfile(const SeccompProfile& profile);

// seccomp.profile = PATH: reads and parses the file. Throws Error when it can't be read,
// ConfigError when it is not a valid profile.
SeccompConfig LoadSeccompProfile(const std::string& path);

}  // namespace berth::config
