#pragma once
// Whether the CRIU on this machine can run the checkpoint tests: 4.2 or newer, `criu check` passing.
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "command.hpp"

namespace berth::testing {

// Why CRIU cannot be used here, or "" when it can. run runs a criu command line (argv) where the
// tests will run CRIU (the host, or inside a harness).
inline std::string CriuUnusableReason(const std::function<CommandResult(const std::vector<std::string>&)>& run) {
    CommandResult version = run({"criu", "--version"});
    if (version.exit_code != 0)
        return "criu is not installed (run scripts/provision-criu)";
    std::smatch m;
    if (!std::regex_search(version.out, m, std::regex(R"re(Version:\s*(\d+)\.(\d+))re")))
        return "cannot tell the criu version from: " + version.out;
    int major = std::stoi(m[1]), minor = std::stoi(m[2]);
    if (major < 4 || (major == 4 && minor < 2))
        return "criu " + m[1].str() + "." + m[2].str() + " is older than 4.2";
    CommandResult check = run({"criu", "check"});
    if (check.exit_code != 0)
        return "`criu check` fails: " + check.err;
    return "";
}

}  // namespace berth::testing
