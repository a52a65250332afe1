#pragma once
// berth-runtime: Berth behind runc's command line. Each verb lives in its own file and registers
// itself with BERTH_RUNTIME_VERB, as berthctl's verbs do (src/cli/verb.hpp).
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace berth::runtime {

// runc's global options (given before the verb).
struct GlobalOptions {
    // Berth's own state dir: containers made here are the ones `berthctl --state-dir DIR` lists.
    std::string root = "/run/berth";
    std::string log_path;            // --log: errors (and --debug lines) also go there
    std::string log_format = "text"; // text | json
    bool systemd_cgroup = false;     // cgroupsPath is "slice:prefix:name", the systemd driver places it
    bool debug = false;
    std::string criu_path;           // --criu: empty = "criu" on PATH
};

// A verb gets the global options and the arguments after its name; returns the exit code.
using VerbMain = std::function<int(const GlobalOptions&, const std::vector<std::string>&)>;

struct Verb {
    std::string name;
    std::string usage;    // one line: "create --bundle DIR [--pid-file FILE] ... ID"
    std::string summary;  // one line for `berth-runtime --help`
    VerbMain main;
};

std::map<std::string, Verb>& VerbRegistry();

struct VerbRegistrar {
    explicit VerbRegistrar(Verb verb);
};

// Thrown for usage errors: printed with the verb's usage line, exit code 1 (as runc).
struct UsageError {
    std::string message;
};

}  // namespace berth::runtime

#define BERTH_RUNTIME_VERB_CONCAT2(a, b) a##b
#define BERTH_RUNTIME_VERB_CONCAT(a, b) BERTH_RUNTIME_VERB_CONCAT2(a, b)
// BERTH_RUNTIME_VERB("state", "state ID", "output the state of a container", StateMain);
#define BERTH_RUNTIME_VERB(name, usage, summary, fn) \
    static ::berth::runtime::VerbRegistrar BERTH_RUNTIME_VERB_CONCAT(berth_runtime_verb_, __LINE__)({name, usage, summary, fn})
