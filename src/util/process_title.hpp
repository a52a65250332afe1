#pragma once
// Lets a forked helper process say what it serves in ps and /proc/PID/cmdline by rewriting the
// memory its argv occupies (it cannot grow: longer titles are cut).
#include <string>
#include <vector>

namespace berth {

// Call from main() with its own argc/argv before anything else uses argv.
void RememberArgvArea(int argc, char** argv);
// Replaces the command line with args (NUL-separated, the rest of the area zeroed).
void SetProcessTitle(const std::vector<std::string>& args);

}  // namespace berth
