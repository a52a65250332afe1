// berthctl check-config FILE...: validates each file on its own as a container configuration.
#include <iostream>

#include "cli/verb.hpp"
#include "config/loader.hpp"

namespace berth::cli {
namespace {

// A file inside NAME.toml.d/ is a drop-in: it need not be complete on its own.
bool IsDropIn(const std::string& file) {
    size_t slash = file.rfind('/');
    if (slash == std::string::npos)
        return false;
    std::string dir = file.substr(0, slash);
    return dir.size() > 7 && dir.compare(dir.size() - 7, 7, ".toml.d") == 0;
}

int CheckConfigMain(const GlobalOptions&, const std::vector<std::string>& args) {
    if (args.empty())
        throw UsageError{"expected at least one file"};
    int status = 0;
    for (const std::string& file : args) {
        try {
            std::vector<config::ConfigError> errors = config::CheckContainerConfigFile(file, IsDropIn(file));
            if (errors.empty()) {
                std::cout << file << ": ok\n";
                continue;
            }
            for (const config::ConfigError& error : errors)
                std::cerr << error.what() << "\n";
        } catch (const Error& e) {
            std::cerr << e.what() << "\n";
        }
        status = 1;
    }
    return status;
}

}  // namespace

BERTH_VERB("check-config", "check-config FILE...", "Validate container configuration files", CheckConfigMain);

}  // namespace berth::cli
