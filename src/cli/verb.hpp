#pragma once
// Each berthctl verb lives in its own file and registers itself here with BERTH_VERB.
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace berth::cli {

// Options given before the verb (as runc's --root).
struct GlobalOptions {
    std::string state_dir = "/run/berth";
    std::string config_path;          // "" = default search path (or BERTH_CONFIG_PATH)
    std::string cgroup_driver = "auto";  // systemd, cgroupfs, auto
    std::string log_dir;              // "" = log_dir of berthd.toml (default /var/log/berth)
    bool debug = false;
};

// A verb gets the global options and the arguments after the verb name; returns the exit code.
using VerbMain = std::function<int(const GlobalOptions&, const std::vector<std::string>&)>;

struct Verb {
    std::string name;
    std::string usage;    // one line: "run [OPTIONS] NAME | run --rootfs DIR [OPTIONS] -- CMD [ARGS...]"
    std::string summary;  // one line for `berthctl --help`
    VerbMain main;
};

std::map<std::string, Verb>& VerbRegistry();

struct VerbRegistrar {
    explicit VerbRegistrar(Verb verb);
};

// Thrown by verbs for usage errors: printed with the verb's usage line, exit code 2.
struct UsageError {
    std::string message;
};

}  // namespace berth::cli

#define BERTH_VERB_CONCAT2(a, b) a##b
#define BERTH_VERB_CONCAT(a, b) BERTH_VERB_CONCAT2(a, b)
// BERTH_VERB("run", "usage", "summary", RunMain);
#define BERTH_VERB(name, usage, summary, fn) \
    static ::berth::cli::VerbRegistrar BERTH_VERB_CONCAT(berth_verb_, __LINE__)({name, usage, summary, fn})
