// libFuzzer target: an OCI bundle's config.json through the converter onto Berth's container
// model, as `berth-runtime create` reads it. Bad input must end in berth::Error (or the JSON
// parser's own error), nothing else; what converts must keep its extras through their JSON form
// (the runtime's state), and a converted seccomp profile must be one the profile reader takes or
// refuses with a ConfigError.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "config/seccomp_profile.hpp"
#include "oci/spec.hpp"
#include "util/error.hpp"

using namespace berth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    nlohmann::json spec = nlohmann::json::parse(data, data + size, nullptr, false);
    if (spec.is_discarded())
        return 0;
    oci::OciContainer converted;
    try {
        converted = oci::ConvertSpec(spec, {"fuzz", "/run/fuzz-bundle"});
    } catch (const Error&) {
        return 0;
    }
    if (oci::ExtrasFromJson(oci::ExtrasToJson(converted.extras)) != converted.extras) {
        std::fprintf(stderr, "the extras did not read back from %s\n", oci::ExtrasToJson(converted.extras).dump().c_str());
        std::abort();
    }
    if (!converted.seccomp_profile.empty()) {
        try {
            config::ParseSeccompProfile(converted.seccomp_profile, "converted");
        } catch (const Error&) {
            // An unknown syscall name: refused, as create refuses it.
        }
    }
    return 0;
}
