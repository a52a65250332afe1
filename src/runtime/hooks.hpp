#pragma once
// Running OCI hooks (runtime-spec config.md#posix-platform-hooks): each hook's program with its
// args and env, the container's state JSON on stdin, killed at its timeout; in the listed order.
#include <string>
#include <vector>

#include "oci/spec.hpp"

namespace berth::runtime {

// Runs every hook of `kind` in order; throws Error naming the kind, the hook's path and how it
// failed (exit status, signal, timeout) at the first that fails.
void RunHooks(const oci::OciExtras& extras, const std::string& kind, const std::string& state_json);
// RunHooks for the kinds whose failure the spec only wants logged (poststart, poststop): a failure
// becomes a warning on stderr and in the --log file.
void RunHooksWarning(const oci::OciExtras& extras, const std::string& kind, const std::string& state_json);

}  // namespace berth::runtime
