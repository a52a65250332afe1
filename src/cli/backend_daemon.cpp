// The Backend through berthd: each operation one org.berth1 call through the client library
// (client/connection.hpp, client/messages.hpp; see org.berth1(5)).
#include <systemd/sd-bus.h>

#include <fcntl.h>
#include <sys/socket.h>

#include <map>
#include <memory>
#include <optional>

#include "cli/backend.hpp"
#include "cli/service_notify.hpp"
#include "client/connection.hpp"
#include "client/messages.hpp"
#include "config/loader.hpp"
#include "manager/errors.hpp"
#include "manager/forwarded_signals.hpp"
#include "manager/terminal_relay.hpp"
#include "util/fd_passing.hpp"
#include "util/pidfd.hpp"

namespace berth::cli {
namespace {

using client::CheckRead;
using client::Connection;

class DaemonBackend : public Backend {
public:
    explicit DaemonBackend(std::unique_ptr<Connection> connection) : berthd_(std::move(connection)) {}
    std::string Kind() const override { return "berthd"; }

    ContainerSummary Get(const std::string& name) override { return Summarize(Inspect(name)); }

    manager::ContainerState Inspect(const std::string& name) override {
        MessagePtr all = berthd_->GetContainerProperties(name);
        return client::StateFromProperties(all.get());
    }

    std::vector<manager::ListEntry> InspectAll(bool with_cgroup_paths) override {
        // One call for all of them (not one per container), answered from berthd's memory; a
        // berthd older than ListContainerStates has every property in GetManagedObjects.
        std::vector<manager::ContainerState> states;
        if (MessagePtr reply = berthd_->ListContainerStates(with_cgroup_paths))
            states = client::StatesFromStateList(reply.get());
        else
            states = client::StatesFromManagedObjects(berthd_->GetManagedObjects().get());
        std::vector<manager::ListEntry> all;
        all.reserve(states.size());
        for (auto& state : states) {
            std::string name = state.name;
            all.push_back({name, std::move(state), ""});
        }
        return all;
    }

    std::vector<pid_t> Processes(const std::string& name) override {
        MessagePtr reply = berthd_->CallManagerWithName("GetContainerProcesses", name);
        return client::PidsFromReply(reply.get());
    }

    cgroup::Stats Stats(const std::string& name) override {
        MessagePtr reply = berthd_->CallManagerWithName("GetContainerStats", name);
        return client::StatsFromReply(reply.get());
    }

    void Checkpoint(const std::string& name, const checkpoint::CheckpointOptions& options) override {
        berthd_->CallManager("CheckpointContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "ss", name.c_str(), options.image_dir.c_str());
            client::AppendCheckpointOptions(m, options);
        });
    }

    void Restore(const checkpoint::RestoreOptions& options) override {
        berthd_->CallManager("RestoreContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "ss", options.name.c_str(), options.image_dir.c_str());
            client::AppendRestoreOptions(m, options);
        });
    }

    void CreateFrom(const config::ContainerConfig& config) override {
        std::string toml = config::FormatContainerConfig(config);
        berthd_->CallManager("CreateContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "ssa{sv}", config.name.c_str(), toml.c_str(), 0);
        });
    }

    void CreateAndStart(const std::string& name, const config::ContainerConfig* config) override {
        // One RunContainer call: berthd removes a container that fails to start.
        std::string toml = config ? config::FormatContainerConfig(*config) : "";
        berthd_->CallManager("RunContainer",
                             [&](sd_bus_message* m) { sd_bus_message_append(m, "ssa{sv}", name.c_str(), toml.c_str(), 0); });
    }

    int StartAttached(const std::string& name, const Attachment& attachment) override {
        if (attachment.terminal) {
            if (attachment.listen_fds > 0)
                throw Error("Container " + name + ": a terminal and socket activation together are not available "
                            "through berthd");
            UniqueFd master;
            int exit_code = Attached(name, [&] { master = StartWithTerminal(name, attachment.window); }, &master);
            return exit_code;
        }
        if (attachment.listen_fds > 0)
            return Attached(name, [&] {
                berthd_->CallManager("StartContainerWithSockets", [&](sd_bus_message* m) {
                    sd_bus_message_append(m, "shhh", name.c_str(), 0, 1, 2);
                    sd_bus_message_open_container(m, 'a', "h");
                    for (int fd = 3; fd < 3 + attachment.listen_fds; ++fd)
                        sd_bus_message_append(m, "h", fd);
                    sd_bus_message_close_container(m);
                    sd_bus_message_append(m, "s", attachment.listen_fd_names.c_str());
                });
            });
        return Attached(name, [&] {
            berthd_->CallManager("StartContainerWithStdio",
                                 [&](sd_bus_message* m) { sd_bus_message_append(m, "shhh", name.c_str(), 0, 1, 2); });
        });
    }

    int RestoreAttached(const checkpoint::RestoreOptions& options) override {
        return Attached(options.name, [&] {
            berthd_->CallManager("RestoreContainerWithStdio", [&](sd_bus_message* m) {
                sd_bus_message_append(m, "ss", options.name.c_str(), options.image_dir.c_str());
                client::AppendRestoreOptions(m, options);
                sd_bus_message_append(m, "hhh", 0, 1, 2);
            });
        });
    }

    int Exec(const std::string& name, const launch::ExecRequest& request) override {
        manager::ForwardedSignals signals;
        std::map<uint32_t, int> exits;
        SlotPtr slot = berthd_->MatchManagerSignal("ExecExited", &OnExecExited, &exits);
        // With a terminal berthd answers with the pty master after the pid, and takes no stdio.
        const char* method = request.terminal ? "ExecContainerWithTerminal" : "ExecContainerEx";
        MessagePtr reply = berthd_->CallManager(method, [&](sd_bus_message* m) {
            sd_bus_message_append(m, "s", name.c_str());
            client::AppendStrings(m, request.args);
            client::AppendStrings(m, request.env);
            if (!request.terminal)
                sd_bus_message_append(m, "hhh", 0, 1, 2);
            sd_bus_message_open_container(m, 'a', "{sv}");
            if (request.cwd)
                sd_bus_message_append(m, "{sv}", "Cwd", "s", request.cwd->c_str());
            if (request.terminal && (request.window.rows || request.window.columns))
                sd_bus_message_append(m, "{sv}{sv}", "Rows", "u", uint32_t{request.window.rows}, "Columns", "u",
                                      uint32_t{request.window.columns});
            sd_bus_message_close_container(m);
        });
        uint32_t pid = 0;
        CheckRead(sd_bus_message_read(reply.get(), "u", &pid), method);
        UniqueFd master;
        if (request.terminal) {
            int borrowed = -1;
            CheckRead(sd_bus_message_read(reply.get(), "h", &borrowed), method);
            // The message owns the fd it carries: ours outlives the reply.
            master = UniqueFd(fcntl(borrowed, F_DUPFD_CLOEXEC, 3));
            if (!master)
                ThrowErrno("Failed to take the terminal berthd passed");
        }
        // Signals go straight to the process (we are root, as the call required); the pidfd makes
        // sure they reach that process and no later one with its pid.
        Pidfd pidfd = Pidfd::Open(static_cast<pid_t>(pid));
        std::optional<manager::TerminalRelay> relay;
        if (master)
            relay.emplace(master.Get());
        while (!exits.count(pid))
            WaitRelaying(signals, relay, [&](int sig) {
                if (pidfd)
                    pidfd.SendSignal(sig);
            });
        if (relay)
            relay->Drain();
        return exits[pid];
    }

    void Create(const std::string& name) override {
        berthd_->CallManager("CreateContainer",
                             [&](sd_bus_message* m) { sd_bus_message_append(m, "ssa{sv}", name.c_str(), "", 0); });
    }
    void Start(const std::string& name) override { berthd_->CallManagerWithName("StartContainer", name); }
    void Kill(const std::string& name, int signal) override {
        berthd_->CallManager("KillContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "si", name.c_str(), signal); });
    }
    void Remove(const std::string& name, bool force) override {
        berthd_->CallManager("RemoveContainer",
                             [&](sd_bus_message* m) { sd_bus_message_append(m, "sb", name.c_str(), force ? 1 : 0); });
    }
    void Pause(const std::string& name) override { berthd_->CallManagerWithName("PauseContainer", name); }
    void Resume(const std::string& name) override { berthd_->CallManagerWithName("ResumeContainer", name); }
    void Update(const std::string& name, const config::Resources& changes) override {
        berthd_->CallManager("UpdateContainer", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "s", name.c_str());
            client::AppendResources(m, changes);
        });
    }

    int Wait(const std::string& name) override {
        // No call timeout: the container may run for days.
        MessagePtr reply = berthd_->CallManager(
            "WaitContainer", [&](sd_bus_message* m) { sd_bus_message_append(m, "s", name.c_str()); }, UINT64_MAX);
        int32_t exit_status = -1;
        CheckRead(sd_bus_message_read(reply.get(), "i", &exit_status), "WaitContainer");
        return exit_status;
    }

private:
    // StartContainerWithTerminal: berthd's monitor sends the container's pty master on a socket
    // we pass (as runc's --console-socket); returns it.
    UniqueFd StartWithTerminal(const std::string& name, launch::WindowSize window) {
        auto [mine, theirs] = MakeSocketPair(SOCK_SEQPACKET);
        berthd_->CallManager("StartContainerWithTerminal", [&](sd_bus_message* m) {
            sd_bus_message_append(m, "shqq", name.c_str(), theirs.Get(), window.rows, window.columns);
        });
        theirs.Reset();
        // The monitor sent it before it reported the start, or closed the socket without one.
        std::optional<ReceivedMessage> sent = ReceiveWithFds(mine.Get(), 16, 1);
        if (!sent || sent->fds.size() != 1)
            throw Error("Container " + name + " started without a terminal (is process.terminal set?)", EIO);
        return std::move(sent->fds[0]);
    }

    // One wait for the bus, a signal or (with a relay) the terminal: WINCH resizes the pty, other
    // signals go to forward, then the terminal's ready fds are copied.
    bool WaitRelaying(manager::ForwardedSignals& signals, std::optional<manager::TerminalRelay>& relay,
                      const std::function<void(int)>& forward) {
        if (!relay)
            return berthd_->WaitForBusOrSignal(signals, forward);
        pollfd fds[2];
        relay->PollFds(fds);
        bool quiet = berthd_->WaitForBusSignalOrFds(signals, [&](int sig) {
            if (sig == SIGWINCH)
                relay->OnWindowChange();
            else
                forward(sig);
        }, fds);
        relay->OnPoll(fds);
        return quiet;
    }

    // Starts the container with start() (which hands it our stdio, or sets *terminal), passes
    // forwarded signals on, relays the terminal, waits for its exit, removes it and returns its
    // exit code; a failed start removes it too.
    template <typename StartFn>
    int Attached(const std::string& name, StartFn start, const UniqueFd* terminal = nullptr) {
        // Blocked before the start, so no signal meant for the container is lost.
        manager::ForwardedSignals signals;
        bool changed = false;
        SlotPtr slot = berthd_->MatchContainerChanges(name, &OnChanged, &changed);
        try {
            start();
        } catch (const Error&) {
            // As in-process: a container that did not start leaves nothing behind.
            try {
                Remove(name, true);
            } catch (const Error&) {
            }
            throw;
        }
        NotifyContainerStarted(name);
        std::optional<manager::TerminalRelay> relay;
        if (terminal && *terminal)
            relay.emplace(terminal->Get());
        manager::ContainerState state = WaitForExit(name, signals, changed, relay, [&](int sig) {
            try {
                Kill(name, sig);
            } catch (const manager::InvalidState&) {
                // Exited meanwhile: the wait sees it next.
            }
        });
        if (relay)
            relay->Drain();
        relay.reset();  // our terminal back to its mode before anything is printed
        PrintExitReason(state);
        if (state.status == manager::Status::Stopped)
            Remove(name, false);
        return state.exit_code.value_or(0);
    }

    // Re-reads the state on every change (`changed`, set by a PropertiesChanged match), and once a
    // second in case a change went unseen, until the container stopped with an exit code; returns
    // that state. A container removed meanwhile throws NoSuchContainer.
    manager::ContainerState WaitForExit(const std::string& name, manager::ForwardedSignals& signals, bool& changed,
                                        std::optional<manager::TerminalRelay>& relay,
                                        const std::function<void(int)>& forward) {
        manager::ContainerState state = Inspect(name);
        int unknown_exit_ticks = 0;
        while (IsLive(state) || (state.status == manager::Status::Stopped && !state.exit_code)) {
            bool tick = WaitRelaying(signals, relay, forward);
            if (!changed && !tick)
                continue;
            changed = false;
            state = Inspect(name);
            if (state.status == manager::Status::Stopped && !state.exit_code && ++unknown_exit_ticks > 10)
                throw Error("Container " + name + " stopped, but berthd recorded no exit status");
        }
        return state;
    }

    static bool IsLive(const manager::ContainerState& state) {
        return state.status == manager::Status::Running || state.status == manager::Status::Paused ||
               state.status == manager::Status::Created;
    }

    static int OnChanged(sd_bus_message*, void* userdata, sd_bus_error*) {
        *static_cast<bool*>(userdata) = true;
        return 0;
    }

    static int OnExecExited(sd_bus_message* m, void* userdata, sd_bus_error*) {
        const char* name = nullptr;
        uint32_t pid = 0;
        int32_t status = -1;
        if (sd_bus_message_read(m, "sui", &name, &pid, &status) >= 0)
            (*static_cast<std::map<uint32_t, int>*>(userdata))[pid] = status;
        return 0;
    }

    std::unique_ptr<Connection> berthd_;
};

}  // namespace

std::unique_ptr<Backend> MakeDaemonBackend() {
    auto connection = Connection::OpenIfAvailable();
    if (!connection)
        return nullptr;
    return std::make_unique<DaemonBackend>(std::move(connection));
}

}  // namespace berth::cli
