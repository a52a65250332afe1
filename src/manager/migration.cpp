#include "manager/migration.hpp"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <sstream>
#include <toml++/toml.h>

#include "checkpoint/archive.hpp"
#include "checkpoint/cpu_compat.hpp"
#include "checkpoint/criu_version.hpp"
#include "checkpoint/descriptor.hpp"
#include "config/loader.hpp"
#include "manager/checkpointing.hpp"
#include "manager/container_lock.hpp"
#include "manager/detached_run.hpp"
#include "manager/errors.hpp"
#include "manager/init_process.hpp"
#include "manager/scratch_dir.hpp"
#include "manager/state_store.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/phase_marker.hpp"
#include "util/toml_integer.hpp"

namespace berth::manager {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Frame kinds (migration.hpp has the sequence).
constexpr const char* kRequest = "MIGR";
constexpr const char* kPreflight = "CHCK";
constexpr const char* kReady = "REDY";
constexpr const char* kRefused = "REFU";
constexpr const char* kImages = "IMGS";
constexpr const char* kDone = "DONE";
constexpr const char* kFailed = "FAIL";
// Text frames (requests, answers, error messages) are small; archives are files.
constexpr uint64_t kMaxTextFrame = 1 << 20;

std::chrono::milliseconds Ms(Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); }

std::string TomlText(const toml::table& table) {
    std::ostringstream out;
    out << table;
    return out.str();
}

toml::table ParseFrameToml(const Frame& frame, const std::string& peer) {
    try {
        return toml::parse(frame.body);
    } catch (const toml::parse_error& e) {
        throw Error("Failed to read the " + frame.kind + " message from " + peer + ": " + std::string(e.description()));
    }
}

// The archive the receiver checks before anything is dumped: the descriptor as the dump will
// write it (the config, the netns binding, the CRIU version) and this CPU's cpuinfo.img.
std::string WritePreflightArchive(const ContainerState& state, const MigrateOptions& options,
                                  const ScratchDir& scratch) {
    const std::string dir = scratch / "preflight";
    MakeDirs(dir, 0700);
    checkpoint::Descriptor d;
    d.container = state.name;
    d.config_toml = config::FormatContainerConfig(state.config);
    d.created = checkpoint::CurrentTimeRfc3339();
    d.criu_version = checkpoint::InstalledCriuVersion(options.criu_path);
    d.flags = options.flags;
    if (const config::NamespaceConfig* net = state.config.FindNamespace(config::NamespaceKind::Net); net && net->path) {
        d.netns_path = net->path;
        d.external_netns = true;
    }
    checkpoint::WriteDescriptor(dir, d);
    checkpoint::RecordCpuinfo(options.criu_path, dir);
    checkpoint::ArchiveManifest manifest;
    manifest.container = d.container;
    manifest.created = d.created;
    manifest.criu_version = d.criu_version;
    const std::string file = scratch / "preflight.tar";
    checkpoint::WriteCheckpointArchive(dir, manifest, file);
    return file;
}

void RemoveMigratedSource(const std::string& state_dir, const ContainerId& id) {
    StateStore store(state_dir);
    ContainerLock lock(store.Dir(id));
    // CheckpointContainer recorded it checkpointed; anything else means someone else took the name.
    if (store.HasState(id) && store.Read(id).status == Status::Checkpointed)
        store.Remove(id);
}

// CRIU's page server, started detached: killed when this ends unless it exited after its dump.
class PageServerGuard {
public:
    explicit PageServerGuard(const checkpoint::PageServer& server)
        : pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, server.pid, 0))) {}
    ~PageServerGuard() {
        if (pidfd_)
            ::syscall(SYS_pidfd_send_signal, pidfd_.Get(), SIGKILL, nullptr, 0);
    }
    // The page server writes its last images after the dump's connection ended, then exits:
    // false when it has not within `timeout`.
    bool WaitForExit(std::chrono::milliseconds timeout) const {
        if (!pidfd_)
            return true;  // gone before we could open it
        pollfd fd{pidfd_.Get(), POLLIN, 0};
        int n;
        while ((n = ::poll(&fd, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
        }
        return n > 0;
    }

private:
    UniqueFd pidfd_;
};

uint64_t PageBytes(const std::string& dir) {
    uint64_t bytes = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error))
        if (entry.path().filename().string().rfind("pages-", 0) == 0 && entry.is_regular_file())
            bytes += entry.file_size();
    return bytes;
}

}  // namespace

MigrationReport MigrateContainer(const std::string& state_dir, const ContainerId& id, const MigrateOptions& options) {
    StateStore store(state_dir);
    if (!PathExists(store.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerState state;
    {
        ContainerLock lock(store.Dir(id));
        state = store.Read(id);
    }
    if (!((state.status == Status::Running || state.status == Status::Paused) &&
          InitAlive(state.pid, state.pid_start_time)))
        throw InvalidState("Container " + id.str() + " is not running");
    const std::string what = "Failed to migrate container " + id.str() + " to " + options.to.ToString();
    MigrationReport report;
    report.restored_name = options.new_name.empty() ? id.str() : options.new_name;

    const Clock::time_point start = Clock::now();
    const std::string scratch_parent = options.work_dir.empty() ? "/var/tmp" : options.work_dir;
    MakeDirs(scratch_parent, 0700);
    ScratchDir scratch(scratch_parent, "migrate");
    MigrationChannel channel = MigrationChannel::Connect(options.to);
    toml::table request{{"protocol", kMigrationProtocol}, {"name", report.restored_name}};
    if (!options.netns_path.empty())
        request.insert("netns", options.netns_path);
    channel.Send(kRequest, TomlText(request));
    channel.SendFile(kPreflight, WritePreflightArchive(state, options, scratch));
    Frame answer = channel.Receive(kMaxTextFrame);
    if (answer.kind == kRefused)
        throw MigrationRefused(what + ": the receiver refused it before the dump: " + answer.body +
                               "; the container runs on here, untouched");
    if (answer.kind != kReady)
        throw MigrationRefused(what + ": the receiver answered " + answer.kind + ", not " + kReady +
                               "; the container runs on here, untouched");
    int page_server_port = static_cast<int>(std::strtol(answer.body.c_str(), nullptr, 10));
    report.checked = Ms(Clock::now() - start);
    PhaseMarker("migrate-checked");

    checkpoint::CheckpointOptions dump;
    dump.image_dir = scratch / "images";
    dump.work_dir = scratch / "work";  // dump.log stays out of the archive
    dump.export_path = scratch / "images.tar";
    dump.page_server = HostPort{channel.PeerAddress(), page_server_port}.ToString();
    dump.flags = options.flags;
    dump.criu_path = options.criu_path;
    MakeDirs(dump.image_dir, 0700);
    // The receiver checked this CPU's image: it travels again instead of a second cpuinfo dump.
    fs::copy_file(scratch / "preflight/" + checkpoint::kCpuinfoImage, dump.image_dir + "/" + checkpoint::kCpuinfoImage);
    Clock::time_point answered;
    dump.post_dump = [&](const checkpoint::CheckpointResult& dumped) {
        report.dumped = Ms(dumped.post_dump_reached - dumped.dump_requested);
        report.archived = Ms(Clock::now() - dumped.post_dump_reached);
        Clock::time_point sending = Clock::now();
        report.archive_bytes = channel.SendFile(kImages, dump.export_path);
        report.sent = Ms(Clock::now() - sending);
        PhaseMarker("migrate-sent");
        Frame result = channel.Receive(kMaxTextFrame);
        answered = Clock::now();
        report.restored = Ms(answered - sending) - report.sent;
        if (result.kind == kFailed)
            throw Error("the receiver could not restore it: " + result.body);
        if (result.kind != kDone)
            throw Error("the receiver answered " + result.kind + ", not " + kDone);
        toml::table done = ParseFrameToml(result, channel.Peer());
        report.restored_name = done["name"].value_or(report.restored_name);
        report.restored_pid = static_cast<pid_t>(TomlIntegerOr(done["pid"], 0));
        report.page_bytes = static_cast<uint64_t>(TomlIntegerOr(done["page_bytes"], 0));
        report.downtime = Ms(answered - dumped.dump_requested);
    };
    checkpoint::CheckpointResult result;
    try {
        result = CheckpointContainer(state_dir, id, dump);
    } catch (const std::exception& e) {
        // CRIU resumed the tasks (a failed post-dump, or its own error): nothing was removed.
        throw Error(what + ": " + e.what() + "; the container was resumed and runs on here");
    }
    PhaseMarker("migrate-restored-remotely");
    RemoveMigratedSource(state_dir, id);
    // From the receiver's answer: CRIU killing the frozen tasks, their cgroup and state removed.
    report.removed = Ms(Clock::now() - answered);
    report.warnings = std::move(result.warnings);
    return report;
}

ReceivedContainer ReceiveMigration(Manager& manager, const ReceiveOptions& options) {
    std::optional<MigrationListener> listener = MigrationListener::Listen(options.listen);
    if (options.on_listening)
        options.on_listening(listener->Port());
    MigrationChannel channel = listener->Accept();
    listener.reset();  // one migration: nobody else connects meanwhile
    const std::string peer = channel.Peer();
    const std::string scratch_parent = options.work_dir.empty() ? "/var/tmp" : options.work_dir;
    MakeDirs(scratch_parent, 0700);
    ScratchDir scratch(scratch_parent, "receive");

    Frame request_frame = channel.Receive(kMaxTextFrame);
    if (request_frame.kind != kRequest)
        throw Error("Failed to receive a migration from " + peer + ": it sent " + request_frame.kind + ", not " +
                    kRequest);
    toml::table request = ParseFrameToml(request_frame, peer);
    checkpoint::RestoreOptions restore;
    restore.name = request["name"].value_or(std::string());
    restore.netns_path = request["netns"].value_or(std::string());
    restore.work_dir = scratch.Path();
    restore.criu_path = options.criu_path;
    const std::string what = "Failed to receive container " + restore.name + " from " + peer;
    Frame preflight = channel.ReceiveFile(kPreflight, scratch / "preflight.tar", kMaxTextFrame);
    auto refuse = [&](const std::string& reason) {
        channel.Send(kRefused, reason);
        throw MigrationRefused(what + ": refused before the dump: " + reason);
    };
    if (TomlIntegerOr(request["protocol"], 0) != kMigrationProtocol)
        refuse("migration protocol " + std::to_string(TomlIntegerOr(request["protocol"], 0)) +
               " is not supported (this berthctl speaks " + std::to_string(kMigrationProtocol) + ")");
    if (preflight.kind != kPreflight)
        refuse(std::string("expected a ") + kPreflight + " archive, got " + preflight.kind);
    restore.import_path = scratch / "preflight.tar";
    try {
        CheckImport(manager.StateDir(), restore);
    } catch (const std::exception& e) {
        refuse(e.what());
    }

    checkpoint::PageServerOptions pages;
    pages.image_dir = scratch / "pages";
    pages.address = channel.LocalAddress();
    pages.criu_path = options.criu_path;
    checkpoint::PageServer server;
    try {
        server = checkpoint::StartPageServer(pages);
    } catch (const std::exception& e) {
        refuse(e.what());
    }
    PageServerGuard server_guard(server);
    channel.Send(kReady, std::to_string(server.port));

    const std::string archive = scratch / "images.tar";
    Frame images = [&] {
        try {
            return channel.ReceiveFile(kImages, archive, kMaxTextFrame);
        } catch (const Error& e) {
            throw Error(what + ": the sender went away before its images arrived (its dump failed?): " + e.what() +
                        "; nothing was restored here");
        }
    }();
    if (images.kind != kImages) {
        channel.Send(kFailed, std::string("expected the ") + kImages + " archive, got " + images.kind);
        throw Error(what + ": it sent " + images.kind + " instead of its images; nothing was restored here");
    }
    Clock::time_point arrived = Clock::now();
    if (!server_guard.WaitForExit(std::chrono::seconds(30))) {
        channel.Send(kFailed, "CRIU's page server did not finish writing the pages within 30 s");
        throw Error(what + ": CRIU's page server did not finish writing the pages within 30 s (its log: " +
                    server.log_path + "); nothing was restored here");
    }
    restore.import_path = archive;
    restore.pages_dir = pages.image_dir;
    // The preflight checked CRIU and the CPU against the sender's; the archive comes from it, its
    // cpuinfo.img the very file checked (MigrateContainer copies it). Netns, rootfs, name: again.
    restore.host_checked = true;
    ReceivedContainer received;
    try {
        received.state = RestoreDetached(manager, options.cgroup_driver, restore, options.log_dir);
    } catch (const std::exception& e) {
        scratch.Keep();  // CRIU's restore.log, named in the error, is in there
        channel.Send(kFailed, e.what());
        throw Error(what + ": " + e.what() + " (its images are kept in " + scratch.Path() + ")");
    }
    received.restored = Ms(Clock::now() - arrived);
    toml::table done{{"name", received.state.name},
                     {"pid", static_cast<int64_t>(received.state.pid)},
                     {"page_bytes", static_cast<int64_t>(PageBytes(pages.image_dir))}};
    try {
        channel.Send(kDone, TomlText(done));
    } catch (const std::exception& e) {
        // The sender resumes its copy when it hears nothing: two now run; say so loudly.
        LogWarning("Failed to tell " + peer + " that container " + received.state.name +
                   " was restored here (it runs, and the sender may have resumed its own copy): " + e.what());
    }
    // The restored container's monitor, forked from us, holds this socket too.
    channel.Shutdown();
    return received;
}

}  // namespace berth::manager
