// berthctl: parses the global options and hands the rest to one verb.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/rootless_paths.hpp"
#include "cli/verb.hpp"
#include "cli/verb_help.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/sealed_exe.hpp"

namespace berth::cli {

std::map<std::string, Verb>& VerbRegistry() {
    static std::map<std::string, Verb> verbs;
    return verbs;
}

VerbRegistrar::VerbRegistrar(Verb verb) {
    std::string name = verb.name;
    VerbRegistry().emplace(std::move(name), std::move(verb));
}

namespace {

char** g_argv = nullptr;  // for the re-exec from a sealed copy

void PrintHelp(std::ostream& out) {
    out << "Usage: berthctl [--state-dir DIR] [--config-path DIR[:DIR...]] [--cgroup-driver systemd|systemd-user|cgroupfs|none|auto]\n"
           "                [--log-dir DIR] [--debug] VERB [ARGS...]\n\n"
           "Verbs (berthctl VERB --help for each one's options):\n";
    for (const auto& [name, verb] : VerbRegistry()) {
        std::string padded = name;
        padded.resize(14, ' ');
        out << "  " << padded << verb.summary << "\n";
    }
    out << "\nSee berthctl(1).\n";
}

// Accepts "--opt VALUE" and "--opt=VALUE"; advances i past the value.
bool TakeOption(const std::vector<std::string>& args, size_t& i, const std::string& name, std::string& value) {
    const std::string& arg = args[i];
    if (arg == name) {
        if (i + 1 >= args.size())
            throw UsageError{name + " needs a value"};
        value = args[++i];
        return true;
    }
    if (arg.rfind(name + "=", 0) == 0) {
        value = arg.substr(name.size() + 1);
        return true;
    }
    return false;
}

int Main(const std::vector<std::string>& args) {
    GlobalOptions global;
    if (const char* env = std::getenv("BERTH_CONFIG_PATH"))
        global.config_path = env;
    bool state_dir_given = false;
    if (const char* env = std::getenv("BERTH_STATE_DIR")) {
        global.state_dir = env;
        state_dir_given = true;
    }
    size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "-h" || arg == "--help") {
            PrintHelp(std::cout);
            return 0;
        }
        if (arg == "--version") {
            std::cout << "berthctl " BERTH_VERSION_STRING "\n";
            return 0;
        }
        if (arg == "--debug") {
            global.debug = true;
            SetDebugLogging(true);
            continue;
        }
        if (TakeOption(args, i, "--state-dir", global.state_dir)) {
            state_dir_given = true;
            continue;
        }
        if (TakeOption(args, i, "--config-path", global.config_path) ||
            TakeOption(args, i, "--cgroup-driver", global.cgroup_driver) ||
            TakeOption(args, i, "--log-dir", global.log_dir))
            continue;
        if (arg.rfind("-", 0) == 0)
            throw UsageError{"unknown global option " + arg};
        break;
    }
    if (global.cgroup_driver != "systemd" && global.cgroup_driver != "systemd-user" &&
        global.cgroup_driver != "cgroupfs" && global.cgroup_driver != "none" && global.cgroup_driver != "auto")
        throw UsageError{"--cgroup-driver must be systemd, systemd-user, cgroupfs, none or auto, not '" +
                         global.cgroup_driver + "'"};
    if (i >= args.size()) {
        PrintHelp(std::cerr);
        return 2;
    }
    // An unprivileged user's containers are rootless, and theirs alone: kept in the user's runtime dir.
    if (RunningRootless() && !state_dir_given)
        global.state_dir = RootlessStateDir();
    auto it = VerbRegistry().find(args[i]);
    if (it == VerbRegistry().end())
        throw UsageError{"unknown verb '" + args[i] + "' (see berthctl --help)"};
    std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
    // The verbs that may enter a container in-process run from a sealed copy (util/sealed_exe.hpp).
    if (it->first == "run" || it->first == "start" || it->first == "exec")
        ReexecFromSealedCopy(g_argv);
    try {
        if (AsksForHelp(it->first, rest))
            throw HelpRequested{};
        return it->second.main(global, rest);
    } catch (const HelpRequested&) {
        PrintVerbHelp(std::cout, it->second);
        return 0;
    } catch (const UsageError& e) {
        std::cerr << "berthctl " << it->first << ": " << e.message << "\nUsage: berthctl " << it->second.usage << "\n";
        return 2;
    }
}

}  // namespace
}  // namespace berth::cli

int main(int argc, char** argv) {
    berth::cli::g_argv = argv;
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return berth::cli::Main(args);
    } catch (const berth::cli::UsageError& e) {
        std::cerr << "berthctl: " << e.message << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "berthctl: " << e.what() << "\n";
        return 1;
    }
}
