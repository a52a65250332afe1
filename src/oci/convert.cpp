// ConvertSpec: config.json's top level onto the model (process, linux, mounts and hooks each in
// their own file), and the extras' JSON form.
#include <cerrno>
#include <fstream>

#include "oci/json_reader.hpp"
#include "oci/spec.hpp"
#include "util/error.hpp"

namespace berth::oci {
namespace {

std::string AbsoluteRoot(const std::string& root, const std::string& bundle) {
    if (!root.empty() && root[0] == '/')
        return root;
    std::string path = bundle;
    if (root == "." || root.empty())
        return path;
    if (!path.empty() && path.back() != '/')
        path += '/';
    return path + root;
}

std::map<std::string, std::string> ConvertAnnotations(const Json& spec) {
    std::map<std::string, std::string> annotations;
    const Json* object = OptObject(spec, "annotations", "");
    if (!object)
        return annotations;
    for (const auto& [key, value] : object->items())
        annotations[key] = AsString(value, MemberPath("annotations", key));
    return annotations;
}

void RefusePlatforms(const Json& spec) {
    for (const char* other : {"solaris", "windows", "vm", "zos"})
        if (Member(spec, other))
            Unsupported(other, "Berth runs Linux containers only");
}

}  // namespace

OciContainer ConvertSpec(const Json& spec, const ConvertContext& context) {
    if (!spec.is_object())
        TypeError("(top level)", "an object");
    OciContainer out;
    config::ContainerConfig& config = out.config;
    config.name = context.id;
    // OCI starts from nothing: no masked paths, no capabilities, no rlimits unless listed.
    config.process.no_new_privileges = false;
    config.seccomp.mode = config::SeccompMode::Unconfined;
    out.extras.bundle = context.bundle;
    std::optional<std::string> version = OptString(spec, "ociVersion", "");
    if (!version)
        Invalid("ociVersion", "missing (a runtime-spec version such as \"1.0.2\")");
    out.extras.oci_version = *version;
    RefusePlatforms(spec);

    const Json* root = OptObject(spec, "root", "");
    if (!root)
        Invalid("root", "missing (root.path names the container's root file system)");
    std::optional<std::string> root_path = OptString(*root, "path", "root");
    if (!root_path || root_path->empty())
        Invalid("root.path", "missing");
    config.rootfs = AbsoluteRoot(*root_path, context.bundle);
    config.rootfs_readonly = OptBool(*root, "readonly", "root").value_or(false);

    config.hostname = OptString(spec, "hostname", "").value_or("");
    config.domainname = OptString(spec, "domainname", "").value_or("");

    const Json* process = OptObject(spec, "process", "");
    if (!process)
        Invalid("process", "missing (Berth needs the process to run at create)");
    ConvertProcess(*process, config, out.extras);
    ConvertMounts(spec, config);
    if (const Json* linux_section = OptObject(spec, "linux", "")) {
        ConvertLinux(*linux_section, config, out.extras);
        if (const Json* seccomp = OptObject(*linux_section, "seccomp", "linux"))
            out.seccomp_profile = ConvertSeccomp(*seccomp);
    }
    if (const Json* hooks = OptObject(spec, "hooks", ""))
        out.extras.hooks = ConvertHooks(*hooks);
    out.extras.annotations = ConvertAnnotations(spec);
    return out;
}

OciContainer LoadBundle(const ConvertContext& context) {
    const std::string file = context.bundle + "/config.json";
    std::ifstream in(file);
    if (!in)
        throw Error("Failed to open " + file, errno ? errno : ENOENT);
    Json spec;
    try {
        spec = Json::parse(in);
    } catch (const Json::parse_error& e) {
        throw Error(file + ": " + e.what());
    }
    return ConvertSpec(spec, context);
}

namespace {

Json HookToJson(const Hook& hook) {
    Json json{{"path", hook.path}, {"args", hook.args}, {"env", hook.env}};
    if (hook.timeout)
        json["timeout"] = *hook.timeout;
    return json;
}

}  // namespace

Json ExtrasToJson(const OciExtras& extras) {
    Json hooks = Json::object();
    for (const auto& [kind, list] : extras.hooks) {
        Json items = Json::array();
        for (const Hook& hook : list)
            items.push_back(HookToJson(hook));
        hooks[kind] = items;
    }
    Json json{{"ociVersion", extras.oci_version}, {"bundle", extras.bundle},  {"annotations", extras.annotations},
              {"hooks", hooks},                   {"cgroupsPath", extras.cgroups_path}};
    if (extras.oom_score_adj)
        json["oomScoreAdj"] = *extras.oom_score_adj;
    return json;
}

OciExtras ExtrasFromJson(const Json& json) {
    OciExtras extras;
    extras.oci_version = OptString(json, "ociVersion", "").value_or("");
    extras.bundle = OptString(json, "bundle", "").value_or("");
    extras.cgroups_path = OptString(json, "cgroupsPath", "").value_or("");
    extras.oom_score_adj = OptInt(json, "oomScoreAdj", "");
    if (const Json* annotations = OptObject(json, "annotations", ""))
        for (const auto& [key, value] : annotations->items())
            extras.annotations[key] = AsString(value, MemberPath("annotations", key));
    if (const Json* hooks = OptObject(json, "hooks", ""))
        extras.hooks = ConvertHooks(*hooks);
    return extras;
}

}  // namespace berth::oci
