// libFuzzer target: berthd.toml and its drop-ins (berthd.toml.d/*.toml) through the daemon
// config loader, as berthd reads them at start. Bad input must end in ConfigError / Error.
#include "config/loader.hpp"
#include "fuzz_files.hpp"

using namespace berth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string dir = fuzz::WriteUnitFiles("berthd", fuzz::SplitFiles(data, size));
    try {
        config::LoadDaemonConfig(config::SearchPath{{dir}});
    } catch (const Error&) {
    }
    return 0;
}
