#pragma once
// Running one hook program (runtime-spec config.md#posix-platform-hooks): path with its args and
// env, a text on its stdin, killed at its timeout. Used by the runtime for the hooks it runs itself
// and by the container's init for those that run inside the container.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace berth {

struct HookProgram {
    std::string path;               // absolute, resolved where the hook runs
    std::vector<std::string> args;  // argv; empty: {path}
    std::vector<std::string> env;
    std::optional<int64_t> timeout;  // seconds; unset: wait as long as it runs
};

// Forks, execs the hook with `input` on its stdin (it need not read it) and waits for it; throws
// Error("hook PATH exited with status N" | "was killed by signal N" | "timed out after N s").
void RunHookProgram(const HookProgram& hook, const std::string& input);

}  // namespace berth
