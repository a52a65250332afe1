#pragma once
// Running OCI hooks (runtime-spec config.md#posix-platform-hooks): each hook's program with its
// args and env, the container's state JSON on stdin, killed at its timeout; in the listed order.
// prestart, createRuntime, poststart and poststop run here, in the runtime's namespaces;
// createContainer and startContainer are handed to the launcher, which runs them in the container.
#include <string>
#include <vector>

#include "oci/spec.hpp"
#include "util/hook_program.hpp"

namespace berth::runtime {

// The hooks of `kind` as the programs the launcher runs (in order).
std::vector<HookProgram> HookPrograms(const oci::OciExtras& extras, const std::string& kind);
// Runs every hook of `kind` in order; throws Error naming the kind, the hook's path and how it
// failed (exit status, signal, timeout) at the first that fails.
void RunHooks(const oci::OciExtras& extras, const std::string& kind, const std::string& state_json);
// RunHooks for the kinds whose failure the spec only wants logged (poststart, poststop): a failure
// becomes a warning on stderr and in the --log file.
void RunHooksWarning(const oci::OciExtras& extras, const std::string& kind, const std::string& state_json);

}  // namespace berth::runtime
