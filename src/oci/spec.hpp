#pragma once
// An OCI bundle (runtime-spec 1.0-1.2 config.json) converted onto Berth's container model, as
// libcontainer's specconv does: the launcher, cgroup drivers and checkpoint module see a plain
// config::ContainerConfig. What only the runtime CLI needs (hooks, annotations, the bundle,
// cgroupsPath) travels beside it as OciExtras. Unknown fields are ignored as the spec says; a
// wrong type is an Error naming the JSON path; a field Berth cannot honour is refused by name.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/model.hpp"

namespace berth::oci {

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int64_t> timeout;  // seconds
    friend bool operator==(const Hook&, const Hook&) = default;
};

// What linux.seccomp may name (features.md's linux.seccomp lists); the rest is refused.
struct SeccompSupport {
    std::vector<std::string> actions;    // "SCMP_ACT_ALLOW", ...
    std::vector<std::string> operators;  // "SCMP_CMP_EQ", ...
    std::vector<std::string> flags;      // "SECCOMP_FILTER_FLAG_TSYNC", ...
};
const SeccompSupport& SupportedSeccomp();

// The six hook kinds of runtime-spec 1.2, by their config.json names.
inline constexpr const char* kHookKinds[] = {"prestart",        "createRuntime", "createContainer",
                                             "startContainer",  "poststart",     "poststop"};

struct OciExtras {
    std::string oci_version;
    std::string bundle;  // absolute path of the bundle directory
    std::map<std::string, std::string> annotations;
    std::map<std::string, std::vector<Hook>> hooks;  // kind (kHookKinds) -> hooks in order
    std::string cgroups_path;                        // linux.cgroupsPath as written
    std::optional<int64_t> oom_score_adj;
    friend bool operator==(const OciExtras&, const OciExtras&) = default;
};

struct OciContainer {
    config::ContainerConfig config;
    OciExtras extras;
    // linux.seccomp as a Berth seccomp profile (TOML, see config/seccomp_profile.hpp): the caller stores it
    // and loads config.seccomp from the file. Empty: no linux.seccomp (unconfined).
    std::string seccomp_profile;
};

struct ConvertContext {
    std::string id;      // the container id (the model's name)
    std::string bundle;  // absolute bundle directory: root.path is relative to it
};

// Converts a parsed config.json. Throws Error("config.json: PATH: ...").
OciContainer ConvertSpec(const nlohmann::json& spec, const ConvertContext& context);
// Reads and converts BUNDLE/config.json (syntax errors name the file, line and column).
OciContainer LoadBundle(const ConvertContext& context);

// linux.cgroupsPath as the drivers take it: with systemd "slice:prefix:name" -> the scope
// prefix-name.scope in slice (system.slice when empty, as runc), else a cgroup path (absolute, or
// relative to Berth's parent /berth). Empty: Berth's default. Throws naming linux.cgroupsPath.
config::CgroupLocation ConvertCgroupsPath(const std::string& cgroups_path, bool systemd);

// The extras as JSON (the runtime keeps them in the container's state dir) and back.
nlohmann::json ExtrasToJson(const OciExtras& extras);
OciExtras ExtrasFromJson(const nlohmann::json& json);

// Parts of the converter, one file each (convert_*.cpp).
void ConvertProcess(const nlohmann::json& process, config::ContainerConfig& config, OciExtras& extras);
void ConvertLinux(const nlohmann::json& linux_section, config::ContainerConfig& config, OciExtras& extras);
void ConvertResources(const nlohmann::json& resources, config::Resources& into);
void ConvertMounts(const nlohmann::json& spec, config::ContainerConfig& config);
std::map<std::string, std::vector<Hook>> ConvertHooks(const nlohmann::json& hooks);
std::string ConvertSeccomp(const nlohmann::json& seccomp);

}  // namespace berth::oci
