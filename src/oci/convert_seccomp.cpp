// linux.seccomp: the whole runtime-spec schema (defaultAction, defaultErrnoRet, architectures,
// flags, syscalls with names, action, errnoRet and args conditions) as a Berth seccomp profile
// (TOML, config/seccomp_profile.hpp), which the launcher compiles with libseccomp.
#include <algorithm>
#include <cctype>

#include "oci/json_reader.hpp"
#include "oci/spec.hpp"

namespace berth::oci {
namespace {

constexpr std::pair<const char*, const char*> kActions[] = {
    {"SCMP_ACT_ALLOW", "allow"},       {"SCMP_ACT_ERRNO", "errno"},   {"SCMP_ACT_KILL", "kill"},
    {"SCMP_ACT_KILL_THREAD", "kill"},  {"SCMP_ACT_KILL_PROCESS", "kill_process"},
    {"SCMP_ACT_TRAP", "trap"},         {"SCMP_ACT_LOG", "log"},       {"SCMP_ACT_TRACE", "trace"},
};
constexpr const char* kOperators[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                                      "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
constexpr const char* kFlags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                  "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};

std::string Quote(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string Lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

// "SCMP_ACT_ERRNO" -> "errno"; the notify action needs a listener Berth does not run.
std::string ActionName(const std::string& written, const std::string& path) {
    for (const auto& [oci, berth] : kActions)
        if (written == oci)
            return berth;
    if (written == "SCMP_ACT_NOTIFY")
        Unsupported(path, "SCMP_ACT_NOTIFY needs a seccomp listener (listenerPath), which Berth does not pass on");
    Invalid(path, "unknown seccomp action '" + written + "'");
}

std::string OperatorName(const std::string& written, const std::string& path) {
    for (const char* op : kOperators)
        if (written == op)
            return Lower(written.substr(9));
    Invalid(path, "unknown seccomp operator '" + written + "'");
}

std::string ConvertArgs(const Json& rule, const std::string& path) {
    const Json* args = OptArray(rule, "args", path);
    if (!args || args->empty())
        return "";
    std::string out = "args = [";
    for (size_t i = 0; i < args->size(); ++i) {
        const std::string arg_path = IndexPath(MemberPath(path, "args"), i);
        const Json& arg = AsObject((*args)[i], arg_path);
        std::optional<uint64_t> index = OptUint(arg, "index", arg_path);
        std::optional<uint64_t> value = OptUint(arg, "value", arg_path);
        std::optional<std::string> op = OptString(arg, "op", arg_path);
        if (!index || *index > 5)
            Invalid(MemberPath(arg_path, "index"), "expected an argument index 0..5");
        if (!value || !op)
            Invalid(arg_path, "needs value and op");
        out += (i ? ", " : "") + std::string("{ index = ") + std::to_string(*index) + ", value = " +
               Quote(std::to_string(*value)) + ", value_two = " +
               Quote(std::to_string(OptUint(arg, "valueTwo", arg_path).value_or(0))) +
               ", op = " + Quote(OperatorName(*op, MemberPath(arg_path, "op"))) + " }";
    }
    return out + "]\n";
}

std::string ConvertRule(const Json& value, const std::string& path) {
    const Json& rule = AsObject(value, path);
    std::vector<std::string> names = StringArray(rule, "names", path);
    if (names.empty())
        Invalid(MemberPath(path, "names"), "needs at least one syscall name");
    std::optional<std::string> action = OptString(rule, "action", path);
    if (!action)
        Invalid(MemberPath(path, "action"), "missing");
    std::string out = "\n[[syscalls]]\nnames = [";
    for (size_t i = 0; i < names.size(); ++i)
        out += (i ? ", " : "") + Quote(names[i]);
    out += "]\naction = " + Quote(ActionName(*action, MemberPath(path, "action"))) + "\n";
    if (std::optional<uint64_t> ret = OptUint(rule, "errnoRet", path))
        out += "errno = " + std::to_string(*ret) + "\n";
    return out + ConvertArgs(rule, path);
}

std::string ConvertFlags(const Json& seccomp) {
    std::vector<std::string> flags = StringArray(seccomp, "flags", "linux.seccomp");
    std::string out = "flags = [";
    for (size_t i = 0; i < flags.size(); ++i) {
        const std::string& flag = flags[i];
        if (std::none_of(std::begin(kFlags), std::end(kFlags), [&](const char* known) { return flag == known; }))
            Unsupported(IndexPath("linux.seccomp.flags", i), "flag '" + flag + "'");
        out += (i ? ", " : "") + Quote(Lower(flag.substr(20)));
    }
    return out + "]\n";
}

}  // namespace

std::string ConvertSeccomp(const Json& seccomp) {
    const std::string path = "linux.seccomp";
    std::optional<std::string> default_action = OptString(seccomp, "defaultAction", path);
    if (!default_action)
        Invalid(MemberPath(path, "defaultAction"), "missing");
    if (!OptString(seccomp, "listenerPath", path).value_or("").empty())
        Unsupported(MemberPath(path, "listenerPath"), "Berth passes no seccomp notify fd on");
    std::string out = "# linux.seccomp of config.json\ndefault_action = " +
                      Quote(ActionName(*default_action, MemberPath(path, "defaultAction"))) + "\n";
    if (std::optional<uint64_t> ret = OptUint(seccomp, "defaultErrnoRet", path))
        out += "default_errno = " + std::to_string(*ret) + "\n";
    std::vector<std::string> arches = StringArray(seccomp, "architectures", path);
    out += "architectures = [";
    for (size_t i = 0; i < arches.size(); ++i) {
        if (arches[i].rfind("SCMP_ARCH_", 0) != 0)
            Invalid(IndexPath(MemberPath(path, "architectures"), i), "unknown architecture '" + arches[i] + "'");
        out += (i ? ", " : "") + Quote(Lower(arches[i].substr(10)));
    }
    out += "]\n" + ConvertFlags(seccomp);
    if (const Json* rules = OptArray(seccomp, "syscalls", path))
        for (size_t i = 0; i < rules->size(); ++i)
            out += ConvertRule((*rules)[i], IndexPath(MemberPath(path, "syscalls"), i));
    return out;
}

const SeccompSupport& SupportedSeccomp() {
    static const SeccompSupport support = [] {
        SeccompSupport s;
        for (const auto& [oci, berth] : kActions)
            s.actions.emplace_back(oci);
        s.operators.assign(std::begin(kOperators), std::end(kOperators));
        s.flags.assign(std::begin(kFlags), std::end(kFlags));
        return s;
    }();
    return support;
}

}  // namespace berth::oci
