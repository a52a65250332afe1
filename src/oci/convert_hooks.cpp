// hooks: the six kinds, each a list of {path, args, env, timeout}.
#include "oci/json_reader.hpp"
#include "oci/spec.hpp"

namespace berth::oci {
namespace {

Hook ConvertHook(const Json& value, const std::string& path) {
    const Json& object = AsObject(value, path);
    Hook hook;
    std::optional<std::string> program = OptString(object, "path", path);
    if (!program || program->empty() || (*program)[0] != '/')
        Invalid(MemberPath(path, "path"), "expected the absolute path of the hook's program");
    hook.path = *program;
    hook.args = StringArray(object, "args", path);
    hook.env = StringArray(object, "env", path);
    hook.timeout = OptInt(object, "timeout", path);
    if (hook.timeout && *hook.timeout <= 0)
        Invalid(MemberPath(path, "timeout"), "must be greater than zero");
    return hook;
}

}  // namespace

std::map<std::string, std::vector<Hook>> ConvertHooks(const Json& hooks) {
    std::map<std::string, std::vector<Hook>> out;
    for (const char* kind : kHookKinds) {
        const std::string path = MemberPath("hooks", kind);
        const Json* list = OptArray(hooks, kind, "hooks");
        if (!list)
            continue;
        for (size_t i = 0; i < list->size(); ++i)
            out[kind].push_back(ConvertHook((*list)[i], IndexPath(path, i)));
    }
    return out;
}

}  // namespace berth::oci
