// libFuzzer target: a container's TOML configuration and its drop-ins, through the loader
// (parse, per-file validation, drop-in merge, final validation) and `berthctl check-config`'s
// per-file check. A config that loads must print (show-config) as TOML that loads again to the
// same configuration. Bad input must end in config::ConfigError / berth::Error, nothing else.
#include <cstdio>
#include <cstdlib>

#include "config/loader.hpp"
#include "fuzz_files.hpp"

using namespace berth;

namespace {

// A printed configuration must read back as itself: what show-config prints is loadable.
void CheckRoundTrip(const config::ContainerConfig& loaded) {
    std::string printed = config::FormatContainerConfig(loaded);
    config::ContainerConfig again;
    try {
        again = config::ParseContainerConfigString(loaded.name, printed, "show-config output");
    } catch (const Error& e) {
        std::fprintf(stderr, "the printed configuration does not load: %s\n---\n%s---\n", e.what(), printed.c_str());
        std::abort();
    }
    std::string reprinted = config::FormatContainerConfig(again);
    if (reprinted != printed) {
        std::fprintf(stderr, "printing is not stable:\n--- first\n%s--- second\n%s---\n", printed.c_str(),
                     reprinted.c_str());
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> parts = fuzz::SplitFiles(data, size);
    std::string dir = fuzz::WriteUnitFiles("c", parts);
    try {
        config::ContainerConfig loaded = config::LoadContainerConfig("c", config::SearchPath{{dir}});
        CheckRoundTrip(loaded);
    } catch (const Error&) {
        // ConfigError (bad content) or Error: what berthctl reports.
    }
    try {
        config::CheckContainerConfigFile(dir + "/c.toml", false);
        if (parts.size() > 1)
            config::CheckContainerConfigFile(dir + "/c.toml.d/11.toml", true);
    } catch (const Error&) {
    }
    return 0;
}
