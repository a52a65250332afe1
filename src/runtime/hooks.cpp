#include "runtime/hooks.hpp"

#include <cstdio>

#include "runtime/runtime_log.hpp"
#include "util/error.hpp"

namespace berth::runtime {

std::vector<HookProgram> HookPrograms(const oci::OciExtras& extras, const std::string& kind) {
    std::vector<HookProgram> programs;
    auto it = extras.hooks.find(kind);
    if (it != extras.hooks.end())
        for (const oci::Hook& hook : it->second)
            programs.push_back({hook.path, hook.args, hook.env, hook.timeout});
    return programs;
}

void RunHooks(const oci::OciExtras& extras, const std::string& kind, const std::string& state_json) {
    for (const HookProgram& hook : HookPrograms(extras, kind)) {
        try {
            RunHookProgram(hook, state_json);
        } catch (const Error& e) {
            throw Error("Failed to run the " + kind + " hooks: " + e.Context(), e.Errno());
        }
    }
}

void RunHooksWarning(const oci::OciExtras& extras, const std::string& kind, const std::string& state_json) {
    try {
        RunHooks(extras, kind, state_json);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "berth-runtime: warning: %s\n", e.what());
        WriteRuntimeLog("warning", e.what());
    }
}

}  // namespace berth::runtime
