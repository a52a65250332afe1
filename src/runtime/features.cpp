// berth-runtime features: runtime-spec's features document (features.md) for what Berth honours:
// the spec versions, hook kinds, mount options, namespaces, capabilities (libcap's), cgroup
// drivers; what Berth refuses (AppArmor, SELinux, Intel RDT, id-mapped mounts) says so.
#include <sys/capability.h>

#include <nlohmann/json.hpp>

#include <iostream>

#include "launch/mount_options.hpp"
#include "oci/spec.hpp"
#include "runtime/options.hpp"
#include "runtime/verb.hpp"

namespace berth::runtime {
namespace {

using Json = nlohmann::ordered_json;

// Every capability libcap knows on this host, as "CAP_CHOWN".
std::vector<std::string> KnownCapabilities() {
    std::vector<std::string> names;
    for (cap_value_t cap = 0; cap < static_cast<cap_value_t>(cap_max_bits()); ++cap) {
        char* name = cap_to_name(cap);
        if (!name)
            continue;
        std::string upper = name;
        cap_free(name);
        if (upper.rfind("cap_", 0) != 0)
            continue;  // a number libcap has no name for
        for (char& c : upper)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        names.push_back(upper);
    }
    return names;
}

Json LinuxFeatures() {
    return {
        {"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"}},
        {"capabilities", KnownCapabilities()},
        {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", true}, {"systemdUser", false}, {"rdma", false}}},
        {"seccomp",
         {{"enabled", true},
          {"actions", oci::SupportedSeccomp().actions},
          {"operators", oci::SupportedSeccomp().operators},
          {"knownFlags", oci::SupportedSeccomp().flags},
          {"supportedFlags", oci::SupportedSeccomp().flags}}},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}},
        {"intelRdt", {{"enabled", false}}},
        {"mountExtensions", {{"idmap", {{"enabled", false}}}}},
    };
}

int FeaturesMain(const GlobalOptions&, const std::vector<std::string>& args) {
    OptionParser options(args);
    if (options.AtOption())
        options.RejectUnknown();
    if (!options.Rest().empty())
        throw UsageError{"unexpected argument '" + options.Rest()[0] + "'"};
    Json hooks = Json::array();
    for (const char* kind : oci::kHookKinds)
        hooks.push_back(kind);
    Json features = {
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", "1.2.0"},
        {"hooks", hooks},
        {"mountOptions", launch::KnownMountOptionNames()},
        {"linux", LinuxFeatures()},
        {"annotations", {{"org.berth.version", BERTH_VERSION_STRING}, {"org.berth.checkpoint.enabled", "true"}}},
    };
    std::cout << features.dump(4) << "\n";
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("features", "features", "show the enabled features (runtime-spec features document)", FeaturesMain);

}  // namespace berth::runtime
