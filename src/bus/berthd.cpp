// berthd: owns org.berth1 on the system bus and serves the Manager and Container objects.
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "bus/daemon.hpp"
#include "bus/errors.hpp"
#include "bus/manager_engine.hpp"
#include "bus/monitor_server.hpp"
#include "config/loader.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/process_title.hpp"
#include "util/sealed_exe.hpp"

namespace berth::bus {
namespace {

struct DaemonOptions {
    EngineSettings engine;
    bool monitor_server = false;  // --monitor-server: be the monitor of berthd's containers
};

void PrintUsage(std::ostream& out) {
    out << "Usage: berthd [--state-dir DIR] [--config-path DIR[:DIR...]] [--cgroup-driver systemd|cgroupfs|auto]\n"
           "              [--log-dir DIR] [--debug]\n"
           "\n"
           "The Berth container manager: owns org.berth1 on the system bus and serves its Manager and\n"
           "Container objects (org.berth1(5)); meant to run as berthd.service (Type=notify).\n"
           "\n"
           "Options (they override berthd.toml in /etc/berth, /run/berth, /usr/lib/berth):\n"
           "  --state-dir DIR          container state (default: state_dir, else /run/berth)\n"
           "  --config-path DIR[:DIR]  search path of NAME.toml, highest precedence first (default:\n"
           "                           $BERTH_CONFIG_PATH, else /etc/berth/containers:/run/berth/containers:\n"
           "                           /usr/lib/berth/containers)\n"
           "  --cgroup-driver DRIVER   systemd (transient scopes), cgroupfs, or auto: systemd when it\n"
           "                           answers on the system bus (default: cgroup_driver, else auto)\n"
           "  --log-dir DIR            containers' output where no journal runs: DIR/NAME.log\n"
           "                           (default: log_dir, else /var/log/berth)\n"
           "  --debug                  log debug messages to stderr\n"
           "  -h, --help               show this help\n"
           "\n"
           "One monitor process (berthd --monitor-server) is the parent of every container berthd\n"
           "starts: it records their exit statuses and sends their output to the journal\n"
           "(CONTAINER_NAME=NAME) or to the log file. SIGTERM or SIGINT stops berthd; the containers and\n"
           "the monitor keep running, and berthd attaches to them again at its next start. See berthd(8).\n";
}

DaemonOptions ParseOptions(const std::vector<std::string>& args) {
    DaemonOptions options;
    // berthd.toml gives the defaults; command-line options override them.
    try {
        config::DaemonConfig daemon = config::LoadDaemonConfig(config::SearchPath::DefaultDaemon());
        options.engine.state_dir = daemon.state_dir;
        options.engine.cgroup_driver = daemon.cgroup_driver;
        options.engine.log_dir = daemon.log_dir;
    } catch (const std::exception& e) {
        LogWarning(std::string("Ignoring berthd.toml: ") + e.what());
    }
    if (const char* env = std::getenv("BERTH_CONFIG_PATH"))
        options.engine.config_path = env;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&](const std::string& name) -> const std::string* {
            if (arg == name) {
                if (i + 1 >= args.size())
                    throw Error(name + " needs a value");
                return &args[++i];
            }
            if (arg.rfind(name + "=", 0) == 0) {
                static thread_local std::string tail;
                tail = arg.substr(name.size() + 1);
                return &tail;
            }
            return nullptr;
        };
        if (arg == "--debug") {
            SetDebugLogging(true);
        } else if (arg == "-h" || arg == "--help") {
            PrintUsage(std::cout);
            std::exit(0);
        } else if (auto v = value("--state-dir")) {
            options.engine.state_dir = *v;
        } else if (auto v = value("--config-path")) {
            options.engine.config_path = *v;
        } else if (auto v = value("--cgroup-driver")) {
            options.engine.cgroup_driver = *v;
        } else if (auto v = value("--log-dir")) {
            options.engine.log_dir = *v;
        } else if (arg == "--monitor-server") {
            options.monitor_server = true;
        } else {
            throw Error("unknown option " + arg);
        }
    }
    return options;
}

int OnTerminate(sd_event_source* source, const struct signalfd_siginfo*, void*) {
    sd_notify(0, "STOPPING=1");
    return sd_event_exit(sd_event_source_get_event(source), 0);
}

int Serve(const DaemonOptions& options) {
    RegisterErrorMap();
    sd_event* raw_event = nullptr;
    CheckNegErrno(sd_event_default(&raw_event), "Failed to create the event loop");
    EventPtr event(raw_event);

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    // Blocked before any worker thread exists, so only the loop's signalfd sees them.
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    CheckNegErrno(sd_event_add_signal(event.get(), nullptr, SIGTERM, OnTerminate, nullptr), "Failed to watch SIGTERM");
    CheckNegErrno(sd_event_add_signal(event.get(), nullptr, SIGINT, OnTerminate, nullptr), "Failed to watch SIGINT");

    sd_bus* raw_bus = nullptr;
    CheckNegErrno(sd_bus_open_system(&raw_bus), "Failed to connect to the system bus");
    BusPtr bus(raw_bus);
    CheckNegErrno(sd_bus_attach_event(bus.get(), event.get(), SD_EVENT_PRIORITY_NORMAL),
                  "Failed to attach the bus to the event loop");

    EngineSettings settings = options.engine;
    if (!RunningFromSealedCopy()) {
        // Monitors re-execute this very binary (from a sealed copy: /proc/self/exe itself).
        char buf[4096];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
        if (n > 0)
            settings.self_exe.assign(buf, static_cast<size_t>(n));
    }
    try {
        // Before any worker thread exists; the first start must not wait for the server's exec.
        PrepareMonitorServer(settings);
    } catch (const std::exception& e) {
        LogWarning(std::string(e.what()) + " (trying again at the first start)");
    }
    {
        Daemon daemon(MakeManagerEngine(settings), event.get(), bus.get());
        daemon.FollowStateDir(settings.state_dir);
        daemon.Export();
        CheckNegErrno(sd_bus_request_name(bus.get(), kBusName, 0), "Failed to acquire bus name org.berth1");
        sd_notify(0, "READY=1\nSTATUS=Serving org.berth1");
        CheckNegErrno(sd_event_loop(event.get()), "Failed to run the event loop");
        // Daemon (and its workers) goes first; the bus is flushed and closed after it.
    }
    return 0;
}

int Main(const std::vector<std::string>& args) {
    DaemonOptions options = ParseOptions(args);
    if (options.monitor_server)
        return RunMonitorServer(options.engine);
    return Serve(options);
}

}  // namespace
}  // namespace berth::bus

int main(int argc, char** argv) {
    try {
        // Everything berthd forks (monitors, exec'd processes) enters containers: see sealed_exe.hpp.
        berth::ReexecFromSealedCopy(argv);
    } catch (const std::exception& e) {
        std::cerr << "berthd: " << e.what() << "\n";
        return 1;
    }
    berth::RememberArgvArea(argc, argv);  // monitors show their container's name in ps
    try {
        return berth::bus::Main(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        std::cerr << "berthd: " << e.what() << "\n";
        return 1;
    }
}
