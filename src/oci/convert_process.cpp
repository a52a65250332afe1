// process: args, env, cwd, user, capabilities, rlimits, noNewPrivileges, oomScoreAdj, terminal.
#include "config/capability_names.hpp"
#include "config/rlimit_names.hpp"
#include "oci/json_reader.hpp"
#include "oci/spec.hpp"

namespace berth::oci {
namespace {

void ConvertUser(const Json& process, config::ProcessConfig& p) {
    const Json* user = OptObject(process, "user", "process");
    if (!user)
        return;
    const std::string path = "process.user";
    p.uid = static_cast<uid_t>(OptUint(*user, "uid", path).value_or(0));
    p.gid = static_cast<gid_t>(OptUint(*user, "gid", path).value_or(0));
    if (std::optional<uint64_t> umask = OptUint(*user, "umask", path)) {
        if (*umask > 0777)
            Invalid(MemberPath(path, "umask"), "expected a mode of at most 0777");
        p.umask = static_cast<uint32_t>(*umask);
    }
    if (const Json* gids = OptArray(*user, "additionalGids", path)) {
        for (size_t i = 0; i < gids->size(); ++i) {
            const Json& gid = (*gids)[i];
            if (!gid.is_number_unsigned() && !(gid.is_number_integer() && gid.get<int64_t>() >= 0))
                TypeError(IndexPath(MemberPath(path, "additionalGids"), i), "a non-negative integer");
            p.additional_gids.push_back(static_cast<gid_t>(gid.get<uint64_t>()));
        }
    }
}

config::CapabilitySet CapabilitySet(const Json& caps, const char* key) {
    const std::string path = MemberPath("process.capabilities", key);
    config::CapabilitySet set;
    std::vector<std::string> written = StringArray(caps, key, "process.capabilities");
    for (size_t i = 0; i < written.size(); ++i) {
        std::optional<int> cap = config::CapabilityFromName(written[i]);
        if (!cap)
            Invalid(IndexPath(path, i), "unknown capability '" + written[i] + "'");
        set.Add(*cap);
    }
    return set;
}

void ConvertCapabilities(const Json& process, config::Capabilities& caps) {
    const Json* object = OptObject(process, "capabilities", "process");
    if (!object)
        return;
    caps.bounding = CapabilitySet(*object, "bounding");
    caps.effective = CapabilitySet(*object, "effective");
    caps.inheritable = CapabilitySet(*object, "inheritable");
    caps.permitted = CapabilitySet(*object, "permitted");
    caps.ambient = CapabilitySet(*object, "ambient");
}

void ConvertRlimits(const Json& process, std::vector<config::Rlimit>& rlimits) {
    const Json* list = OptArray(process, "rlimits", "process");
    if (!list)
        return;
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string path = IndexPath("process.rlimits", i);
        const Json& item = AsObject((*list)[i], path);
        std::optional<std::string> type = OptString(item, "type", path);
        if (!type)
            Invalid(MemberPath(path, "type"), "missing");
        std::optional<std::string> name = config::CanonicalRlimitName(*type);
        if (!name)
            Invalid(MemberPath(path, "type"), "unknown resource limit '" + *type + "'");
        const int resource = *config::RlimitResource(*name);
        for (const config::Rlimit& earlier : rlimits)
            if (earlier.resource == resource)
                Invalid(MemberPath(path, "type"), "'" + *type + "' is listed twice");
        std::optional<uint64_t> soft = OptUint(item, "soft", path);
        std::optional<uint64_t> hard = OptUint(item, "hard", path);
        if (!soft || !hard)
            Invalid(path, "needs both soft and hard");
        rlimits.push_back({resource, *soft, *hard});
    }
}

void RefuseUnhonoured(const Json& process) {
    if (!OptString(process, "apparmorProfile", "process").value_or("").empty())
        Unsupported("process.apparmorProfile", "Berth applies no AppArmor profile");
    if (!OptString(process, "selinuxLabel", "process").value_or("").empty())
        Unsupported("process.selinuxLabel", "Berth applies no SELinux label");
    if (Member(process, "ioPriority"))
        Unsupported("process.ioPriority", "Berth sets no I/O priority");
    if (Member(process, "scheduler"))
        Unsupported("process.scheduler", "Berth sets no scheduling policy");
    if (Member(process, "execCPUAffinity"))
        Unsupported("process.execCPUAffinity", "Berth sets no exec CPU affinity");
}

}  // namespace

void ConvertProcess(const Json& process, config::ContainerConfig& config, OciExtras& extras) {
    config::ProcessConfig& p = config.process;
    p.args = StringArray(process, "args", "process");
    if (p.args.empty())
        Invalid("process.args", "needs at least the program to run");
    if (Member(process, "commandLine"))
        Unsupported("process.commandLine", "a Windows field");
    p.env = StringArray(process, "env", "process");
    std::optional<std::string> cwd = OptString(process, "cwd", "process");
    if (!cwd || cwd->empty() || (*cwd)[0] != '/')
        Invalid("process.cwd", "expected an absolute path");
    p.cwd = *cwd;
    p.terminal = OptBool(process, "terminal", "process").value_or(false);
    if (const Json* size = OptObject(process, "consoleSize", "process")) {
        // The console's size is set by whoever holds the pty master (conmon, the shim): read for types.
        OptUint(*size, "height", "process.consoleSize");
        OptUint(*size, "width", "process.consoleSize");
    }
    p.no_new_privileges = OptBool(process, "noNewPrivileges", "process").value_or(false);
    extras.oom_score_adj = OptInt(process, "oomScoreAdj", "process");
    ConvertUser(process, p);
    ConvertCapabilities(process, config.capabilities);
    ConvertRlimits(process, config.rlimits);
    RefuseUnhonoured(process);
}

}  // namespace berth::oci
