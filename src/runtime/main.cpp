// berth-runtime: runc's command line over Berth's manager (issue 13). Parses the global options,
// opens the --log file and hands the rest to one verb; errors go to stderr and the log, exit 1.
#include <seccomp.h>

#include <cstdio>
#include <iostream>

#include "runtime/options.hpp"
#include "runtime/runtime_log.hpp"
#include "runtime/verb.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace berth::runtime {

std::map<std::string, Verb>& VerbRegistry() {
    static std::map<std::string, Verb> verbs;
    return verbs;
}

VerbRegistrar::VerbRegistrar(Verb verb) {
    std::string name = verb.name;
    VerbRegistry().emplace(std::move(name), std::move(verb));
}

namespace {

void PrintHelp(std::ostream& out) {
    out << "Usage: berth-runtime [--root DIR] [--log FILE] [--log-format text|json] [--systemd-cgroup]\n"
           "                     [--debug] [--criu PATH] COMMAND [ARGS...]\n\nCommands:\n";
    for (const auto& [name, verb] : VerbRegistry()) {
        std::string padded = name;
        padded.resize(12, ' ');
        out << "  " << padded << verb.summary << "\n";
    }
    out << "\nSee berth-runtime(1).\n";
}

void PrintVersion() {
    const scmp_version* seccomp = seccomp_version();
    std::cout << "berth-runtime version " BERTH_VERSION_STRING "\nspec: 1.2.0\n";
    if (seccomp)
        std::cout << "libseccomp: " << seccomp->major << "." << seccomp->minor << "." << seccomp->micro << "\n";
}

// runc's global options Berth has nothing to do for, with whether each takes a value.
bool TakeIgnoredGlobal(OptionParser& options) {
    const std::string name = options.Name();
    if (name == "rootless") {
        // runc: --rootless true|false|auto. Berth decides from the config's user namespace.
        options.TakeValue();
        return true;
    }
    if (name == "no-pivot-root" || name == "no-new-keyring") {
        options.TakeFlag();
        return true;
    }
    return false;
}

struct Parsed {
    GlobalOptions global;
    std::vector<std::string> rest;  // the verb and its arguments
    bool done = false;              // --help or --version handled
};

Parsed ParseGlobal(const std::vector<std::string>& args) {
    Parsed parsed;
    OptionParser options(args);
    while (options.AtOption()) {
        const std::string name = options.Name();
        if (name == "h" || name == "help") {
            PrintHelp(std::cout);
            parsed.done = true;
            return parsed;
        }
        if (name == "v" || name == "version") {
            PrintVersion();
            parsed.done = true;
            return parsed;
        }
        if (name == "root")
            parsed.global.root = options.TakeValue();
        else if (name == "log")
            parsed.global.log_path = options.TakeValue();
        else if (name == "log-format")
            parsed.global.log_format = options.TakeValue();
        else if (name == "criu")
            parsed.global.criu_path = options.TakeValue();
        else if (name == "systemd-cgroup")
            parsed.global.systemd_cgroup = options.TakeFlag();
        else if (name == "debug")
            parsed.global.debug = options.TakeFlag();
        else if (!TakeIgnoredGlobal(options))
            options.RejectUnknown();
    }
    parsed.rest = options.Rest();
    return parsed;
}

void ReportError(const std::string& message) {
    std::cerr << "berth-runtime: " << message << "\n";
    WriteRuntimeLog("error", message);
}

int Main(const std::vector<std::string>& args) {
    Parsed parsed = ParseGlobal(args);
    if (parsed.done)
        return 0;
    OpenRuntimeLog(parsed.global.log_path, parsed.global.log_format);
    if (parsed.global.debug)
        SetDebugLogging(true);
    if (parsed.rest.empty()) {
        PrintHelp(std::cerr);
        return 1;
    }
    auto it = VerbRegistry().find(parsed.rest[0]);
    if (it == VerbRegistry().end())
        throw UsageError{"No help topic for '" + parsed.rest[0] + "' (see berth-runtime --help)"};
    std::vector<std::string> verb_args(parsed.rest.begin() + 1, parsed.rest.end());
    try {
        return it->second.main(parsed.global, verb_args);
    } catch (const UsageError& e) {
        ReportError(it->first + ": " + e.message);
        std::cerr << "Usage: berth-runtime " << it->second.usage << "\n";
        return 1;
    }
}

}  // namespace
}  // namespace berth::runtime

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return berth::runtime::Main(args);
    } catch (const berth::runtime::UsageError& e) {
        berth::runtime::ReportError(e.message);
        return 1;
    } catch (const std::exception& e) {
        berth::runtime::ReportError(e.what());
        return 1;
    }
}
