#include "manager/checkpointing.hpp"

#include <stdlib.h>

#include <chrono>
#include <filesystem>

#include "checkpoint/archive.hpp"
#include "checkpoint/criu_version.hpp"

#include "cgroup/machine_registration.hpp"
#include "manager/container_lock.hpp"
#include "manager/errors.hpp"
#include "manager/foreground.hpp"
#include "manager/init_process.hpp"
#include "manager/state_store.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/time_format.hpp"

namespace berth::manager {
namespace {

// CRIU kills the dumped tasks itself; this bounds the wait for the init to be reaped by its parent.
constexpr std::chrono::seconds kGoneTimeout{10};

void WaitUntilGone(const ContainerState& state) {
    UniqueFd pidfd = OpenInitPidfd(state.pid, state.pid_start_time);
    if (pidfd && !WaitForPidfdExit(pidfd.Get(), kGoneTimeout))
        throw Error("Failed to checkpoint container " + state.name + ": pid " + std::to_string(state.pid) +
                    " still runs after CRIU's dump");
}

// A directory made for one export or import, removed with its content unless kept.
class ScratchDir {
public:
    // Created in `parent` as .berth-TAG-XXXXXX.
    ScratchDir(const std::string& parent, const std::string& tag) {
        std::string pattern = parent + "/.berth-" + tag + "-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr)
            ThrowErrno("Failed to create a scratch directory in " + parent);
        path_ = pattern;
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir() {
        std::error_code ignored;
        if (!kept_)
            std::filesystem::remove_all(path_, ignored);
    }
    const std::string& Path() const { return path_; }
    void Keep() { kept_ = true; }

private:
    std::string path_;
    bool kept_ = false;
};

std::string ParentDirOf(const std::string& path) {
    std::string parent = std::filesystem::path(path).parent_path().string();
    return parent.empty() ? "." : parent;
}

void ExportImages(const checkpoint::CheckpointResult& result, const std::string& image_dir,
                  const std::string& file) {
    checkpoint::ArchiveManifest manifest;
    manifest.container = result.descriptor.container;
    manifest.created = result.descriptor.created;
    manifest.criu_version = result.descriptor.criu_version;
    checkpoint::WriteCheckpointArchive(image_dir, manifest, file);
}

// Before anything starts: an archive this host cannot restore fails here (InvalidState).
void CheckImportable(const checkpoint::ArchiveManifest& manifest, const checkpoint::RestoreOptions& options) {
    checkpoint::CriuVersion installed = checkpoint::InstalledCriuVersion(options.criu_path);
    checkpoint::CriuVersion needed = manifest.criu_version;
    needed.extra = 0;
    needed.gitid.clear();
    if (installed.Number() < needed.Number())
        throw InvalidState("Failed to import " + options.import_path + ": it was dumped by CRIU " + needed.ToString() +
                           ", this host has the older CRIU " + installed.ToString() + "; update CRIU");
}

}  // namespace

checkpoint::CheckpointResult CheckpointContainer(const std::string& state_dir, const ContainerId& id,
                                                 const checkpoint::CheckpointOptions& options) {
    StateStore store(state_dir);
    if (!PathExists(store.Dir(id)))
        throw NoSuchContainer("No such container: " + id.str());
    ContainerLock lock(store.Dir(id));
    ContainerState state = store.Read(id);
    bool live = (state.status == Status::Running || state.status == Status::Paused) &&
                InitAlive(state.pid, state.pid_start_time);
    if (!live)
        throw InvalidState("Container " + id.str() + " is not running");
    if (state.status == Status::Paused ||
        (!state.placement.driver.empty() && cgroup::DriverFor(state.placement)->IsFrozen(state.placement)))
        throw InvalidState("Container " + id.str() + " is paused: resume it before checkpointing");

    // The container's [checkpoint] defaults apply unless the caller asked for more.
    checkpoint::CheckpointOptions effective = options;
    const config::CheckpointDefaults& defaults = state.config.checkpoint;
    effective.flags.tcp_established |= defaults.tcp_established;
    effective.flags.ext_unix_sk |= defaults.ext_unix_sk;
    effective.flags.shell_job |= defaults.shell_job;
    effective.flags.file_locks |= defaults.file_locks;
    if (effective.manage_cgroups_mode.empty())
        effective.manage_cgroups_mode = defaults.manage_cgroups_mode;

    std::optional<ScratchDir> scratch;
    if (!options.export_path.empty()) {
        if (options.pre_dump || !options.parent_dir.empty())
            throw InvalidState("Failed to export container " + id.str() +
                               ": an archive holds a complete dump, not a pre-dump or one on top of it");
        if (effective.image_dir.empty()) {
            scratch.emplace(ParentDirOf(options.export_path), "export");
            effective.image_dir = scratch->Path();
        }
    }
    checkpoint::CheckpointResult result = checkpoint::Checkpoint({id.str(), state.pid, state.config}, effective);
    if (!options.export_path.empty()) {
        try {
            ExportImages(result, effective.image_dir, options.export_path);
        } catch (const Error& e) {
            if (options.leave_running)
                throw;
            // The container is gone: its images are all that is left of it.
            if (scratch)
                scratch->Keep();
            throw Error(e.Context() + " (the checkpoint's images are kept in " + effective.image_dir + ")",
                        e.Errno());
        }
    }
    // A pre-dump leaves the tasks running by its nature.
    if (options.leave_running || options.pre_dump)
        return result;

    WaitUntilGone(state);
    if (!state.placement.driver.empty())
        cgroup::DriverFor(state.placement)->Destroy(state.placement);
    state.status = Status::Checkpointed;
    state.pid = 0;
    state.pid_start_time = 0;
    state.placement = {};
    state.exit_code.reset();
    store.WriteStateOnly(state);
    return result;
}

RestoredContainer RestoreContainer(const std::string& state_dir, const std::string& cgroup_driver,
                                   const checkpoint::RestoreOptions& options, bool foreground) {
    checkpoint::RestoreOptions restore_options = options;
    // An archive is extracted next to the images' usual place and gone again after the restore.
    std::optional<ScratchDir> scratch;
    if (!options.import_path.empty()) {
        scratch.emplace(options.work_dir.empty() ? std::string("/var/tmp") : options.work_dir, "import");
        checkpoint::ArchiveManifest manifest;
        try {
            manifest = checkpoint::ExtractCheckpointArchive(options.import_path, scratch->Path());
        } catch (const checkpoint::ArchiveUnusable& e) {
            throw InvalidState(e.Context(), e.Errno());
        }
        restore_options.image_dir = scratch->Path();
        CheckImportable(manifest, restore_options);
    }
    // Before any state, cgroup or CRIU process: a vanished netns must leave everything as it was.
    checkpoint::Descriptor descriptor;
    try {
        descriptor = checkpoint::CheckRestorable(restore_options.image_dir, options.netns_path,
                                                 restore_options.config ? &*restore_options.config : nullptr);
    } catch (const checkpoint::HostLacks& e) {
        // Not a failure of the restore itself: the host lacks what the checkpoint needs (yet).
        throw InvalidState(e.Context(), e.Errno());
    }
    if (restore_options.name.empty())
        restore_options.name = descriptor.container;
    ContainerId id(restore_options.name);

    StateStore store(state_dir);
    bool had_state_dir = PathExists(store.Dir(id));
    store.EnsureDir(id);
    ContainerLock lock(store.Dir(id));
    bool had_state = store.HasState(id);
    if (had_state) {
        ContainerState existing = store.Read(id);
        bool live = (existing.status == Status::Running || existing.status == Status::Paused) &&
                    InitAlive(existing.pid, existing.pid_start_time);
        if (live)
            throw ContainerExists("Container " + id.str() + " already exists and runs: restore it with --name NEW");
        if (existing.status == Status::Created)
            throw ContainerExists("Container " + id.str() + " already exists (created)");
        // A stopped container of that name still owns a cgroup until removed.
        if (!existing.placement.driver.empty())
            cgroup::DriverFor(existing.placement)->Destroy(existing.placement);
    }

    RestoredContainer restored;
    restored.state_dir_ = state_dir;
    if (foreground)
        restored.signals_ = std::make_unique<ForwardedSignals>();
    std::unique_ptr<cgroup::Driver> driver = cgroup::MakeDriver(cgroup_driver);
    checkpoint::RestoredContainer r;
    try {
        r = checkpoint::Restore(restore_options, *driver);
    } catch (...) {
        if (!had_state_dir)
            store.Remove(id);
        if (scratch)
            scratch->Keep();  // CRIU's restore.log, named in the error, is in there
        throw;
    }

    ContainerState& state = restored.state_;
    state.name = id.str();
    state.status = Status::Running;
    state.pid = r.pid;
    state.pid_start_time = r.start_time;
    state.rootfs = r.config.rootfs;
    state.created = FormatRfc3339(std::chrono::system_clock::now());
    state.placement = r.placement;
    state.netns_path = r.descriptor.netns_path;
    state.config = r.config;
    try {
        store.Write(state);
    } catch (...) {
        // Unrecorded, nobody could find it again: take it down.
        SendSignal(r.pidfd.Get(), r.pid, SIGKILL);
        ReapChild(r.pidfd.Get(), r.pid);
        driver->Destroy(r.placement);
        throw;
    }
    cgroup::RegisterMachine(state.placement, state.name, state.pid, state.rootfs);
    restored.pidfd_ = std::move(r.pidfd);
    restored.terminal_master_ = std::move(r.terminal_master);
    restored.warnings_ = std::move(r.warnings);
    return restored;
}

int RestoredContainer::StayInForeground() {
    if (!signals_)
        throw InvalidState("Container " + state_.name + " was not restored in the foreground");
    int exit_code =
        manager::StayInForeground({state_.pid, pidfd_.Get(), terminal_master_.Get()}, *signals_);
    StateStore store(state_dir_);
    ContainerId id(state_.name);
    try {
        ContainerLock lock(store.Dir(id));
        ContainerState recorded = store.Read(id);
        // Checkpointed again or removed and re-created meanwhile: no longer ours to clean up.
        if (recorded.pid == state_.pid && recorded.pid_start_time == state_.pid_start_time) {
            if (!recorded.placement.driver.empty())
                cgroup::DriverFor(recorded.placement)->Destroy(recorded.placement);
            store.Remove(id);
        }
    } catch (const NoSuchContainer&) {
    }
    signals_.reset();
    return exit_code;
}

}  // namespace berth::manager
