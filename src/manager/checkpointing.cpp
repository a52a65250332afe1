#include "manager/checkpointing.hpp"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>
#include <time.h>

#include "checkpoint/archive.hpp"
#include "checkpoint/cpu_compat.hpp"
#include "checkpoint/criu_version.hpp"
#include "checkpoint/descriptor.hpp"

#include "cgroup/machine_registration.hpp"
#include "config/loader.hpp"
#include "launch/rootless.hpp"
#include "manager/container_lock.hpp"
#include "manager/errors.hpp"
#include "manager/foreground.hpp"
#include "manager/init_process.hpp"
#include "manager/scratch_dir.hpp"
#include "manager/state_store.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/phase_marker.hpp"
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

// CRIU runs with our privileges, and an unprivileged user's lack what it needs.
void RefuseRootless(const std::string& what) {
    if (launch::IsRootless())
        throw Error("Failed to " + what +
                    ": running rootless, and CRIU needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE) in the host's user "
                    "namespace; checkpoint and restore as root");
}

std::string ParentDirOf(const std::string& path) {
    std::string parent = std::filesystem::path(path).parent_path().string();
    return parent.empty() ? "." : parent;
}

std::string BaselinePath(const StateStore& store, const ContainerId& id) {
    return store.Dir(id) + "/" + checkpoint::kRootfsBaselineFile;
}

// What the container changed in its writable rootfs since its start, or nothing (read-only, or no
// baseline: started by an older Berth or an OCI runtime; then a warning says so).
std::optional<checkpoint::RootfsExport> RootfsChanges(const StateStore& store, const ContainerState& state,
                                                      std::vector<std::string>& warnings) {
    if (state.config.rootfs_readonly)
        return std::nullopt;
    const std::string path = BaselinePath(store, ContainerId(state.name));
    std::optional<std::string> text = ReadFileIfExists(path);
    if (!text) {
        std::string warning = "container " + state.name + " has no rootfs baseline (" + path +
                              "): the archive carries no rootfs changes; the importing host needs its rootfs as it "
                              "is now";
        LogWarning(warning);
        warnings.push_back(warning);
        return std::nullopt;
    }
    checkpoint::RootfsExport rootfs;
    rootfs.rootfs = state.config.rootfs;
    rootfs.baseline = checkpoint::ParseRootfsBaseline(*text, path);
    rootfs.diff = checkpoint::DiffRootfs(rootfs.rootfs, rootfs.baseline);
    return rootfs;
}

void ExportImages(const checkpoint::CheckpointResult& result, const std::string& image_dir, const std::string& file,
                  const std::string& criu_path, const checkpoint::RootfsExport* rootfs) {
    checkpoint::ArchiveManifest manifest;
    manifest.container = result.descriptor.container;
    manifest.created = result.descriptor.created;
    manifest.criu_version = result.descriptor.criu_version;
    // The importing host checks its CPU against this one's before it restores.
    checkpoint::RecordCpuinfo(criu_path, image_dir);
    checkpoint::WriteCheckpointArchive(image_dir, manifest, file, rootfs);
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
    try {
        checkpoint::RequireCompatibleCpu(options.criu_path, options.image_dir, options.image_dir,
                                         "import " + options.import_path);
    } catch (const checkpoint::CpuIncompatible& e) {
        throw InvalidState(e.Context(), e.Errno());
    }
}

// The archive's rootfs changes onto the rootfs the container is restored on: its deletions,
// then its entries. Returns the baseline to keep for the restored container (the original base,
// dated now: what this host's copy held before counts as unchanged).
checkpoint::RootfsBaseline ApplyRootfsChanges(const checkpoint::RestoreOptions& options, const std::string& rootfs) {
    const std::string listed = options.image_dir + "/" + checkpoint::kRootfsBaselineFile;
    checkpoint::RootfsBaseline baseline = checkpoint::ParseRootfsBaseline(ReadFile(listed), listed);
    // The coarse clock is the one file times come from: a change right after this is not older.
    ::clock_gettime(CLOCK_REALTIME_COARSE, &baseline.since);
    checkpoint::RemoveFromRootfs(
        rootfs, checkpoint::ParsePathList(ReadFile(options.image_dir + "/" + checkpoint::kArchiveRootfsDeleted)));
    checkpoint::ApplyArchiveRootfs(options.import_path, rootfs);
    return baseline;
}

// The checkpoint's descriptor, once the host is found able to restore it.
checkpoint::Descriptor CheckRestorable(const checkpoint::RestoreOptions& options) {
    try {
        return checkpoint::CheckRestorable(options.image_dir, options.netns_path,
                                           options.config ? &*options.config : nullptr);
    } catch (const checkpoint::HostLacks& e) {
        // Not a failure of the restore itself: the host lacks what the checkpoint needs (yet).
        throw InvalidState(e.Context(), e.Errno());
    }
}

// A container of the restored one's name may only be a stopped one; its cgroup goes, its state is
// returned to put back if the restore fails.
std::optional<ContainerState> ClearStoppedNamesake(const StateStore& store, const ContainerId& id) {
    if (!store.HasState(id))
        return std::nullopt;
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
    return existing;
}

// The state recorded while CRIU restores: the configuration given, or the checkpoint's own.
ContainerState CreatingState(const ContainerId& id, const checkpoint::RestoreOptions& options,
                             const checkpoint::Descriptor& descriptor) {
    ContainerState creating;
    creating.name = id.str();
    creating.status = Status::Creating;
    creating.created = FormatRfc3339(std::chrono::system_clock::now());
    creating.config = options.config ? *options.config
                                     : config::ParseContainerConfigString(
                                           id.str(), descriptor.config_toml, options.image_dir + "/" + checkpoint::kDescriptorFile);
    creating.config.name = id.str();
    creating.rootfs = creating.config.rootfs;
    return creating;
}

// Records the restored container running; one that can't be recorded is taken down.
ContainerState RecordRunning(const StateStore& store, const ContainerId& id, const checkpoint::RestoredContainer& r,
                             cgroup::Driver& driver) {
    ContainerState state;
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
        driver.Destroy(r.placement);
        throw;
    }
    return state;
}

// An import's archive extracted and checked against this host (CRIU, CPU): into a scratch
// directory made next to the images' usual place, or beside the pages a page server received.
// Points options.image_dir at the images.
checkpoint::ArchiveManifest ExtractImport(checkpoint::RestoreOptions& options, std::optional<ScratchDir>& scratch) {
    if (options.pages_dir.empty()) {
        scratch.emplace(options.work_dir.empty() ? std::string("/var/tmp") : options.work_dir, "import");
        options.image_dir = scratch->Path();
    } else {
        options.image_dir = options.pages_dir;
    }
    checkpoint::ArchiveManifest manifest;
    try {
        manifest = checkpoint::ExtractCheckpointArchive(options.import_path, options.image_dir);
    } catch (const checkpoint::ArchiveUnusable& e) {
        throw InvalidState(e.Context(), e.Errno());
    }
    if (!options.host_checked)
        CheckImportable(manifest, options);
    return manifest;
}

// The refusal ClearStoppedNamesake would make, without touching the namesake.
void RequireNameFree(const StateStore& store, const ContainerId& id) {
    if (!store.HasState(id))
        return;
    ContainerState existing = store.Read(id);
    if ((existing.status == Status::Running || existing.status == Status::Paused) &&
        InitAlive(existing.pid, existing.pid_start_time))
        throw ContainerExists("Container " + id.str() + " already exists and runs: restore it with --name NEW");
    if (existing.status == Status::Created)
        throw ContainerExists("Container " + id.str() + " already exists (created)");
}

}  // namespace

void CheckImport(const std::string& state_dir, const checkpoint::RestoreOptions& options) {
    checkpoint::RestoreOptions checked = options;
    checked.pages_dir.clear();
    checked.host_checked = false;
    std::optional<ScratchDir> scratch;
    ExtractImport(checked, scratch);
    checkpoint::Descriptor descriptor = CheckRestorable(checked);
    RequireNameFree(StateStore(state_dir), ContainerId(checked.name.empty() ? descriptor.container : checked.name));
}

checkpoint::CheckpointResult CheckpointContainer(const std::string& state_dir, const ContainerId& id,
                                                 const checkpoint::CheckpointOptions& options) {
    RefuseRootless("checkpoint container " + id.str());
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
    std::optional<checkpoint::RootfsExport> rootfs;
    std::vector<std::string> rootfs_warnings;
    if (!options.export_path.empty()) {
        if (options.pre_dump || !options.parent_dir.empty())
            throw InvalidState("Failed to export container " + id.str() +
                               ": an archive holds a complete dump, not a pre-dump or one on top of it");
        if (effective.image_dir.empty()) {
            scratch.emplace(ParentDirOf(options.export_path), "export");
            effective.image_dir = scratch->Path();
        }
    }
    // A migration exports while the tasks are frozen: a failure there lets CRIU resume them.
    const bool export_at_post_dump = !options.export_path.empty() && options.post_dump;
    if (export_at_post_dump)
        effective.post_dump = [&](const checkpoint::CheckpointResult& dumped) {
            rootfs = RootfsChanges(store, state, rootfs_warnings);
            ExportImages(dumped, effective.image_dir, options.export_path, effective.criu_path,
                         rootfs ? &*rootfs : nullptr);
            options.post_dump(dumped);
        };
    PhaseMarker("checkpoint-locked");
    checkpoint::CheckpointResult result = checkpoint::Checkpoint({id.str(), state.pid, state.config}, effective);
    PhaseMarker("checkpoint-dumped");
    if (export_at_post_dump) {
        result.warnings.insert(result.warnings.end(), rootfs_warnings.begin(), rootfs_warnings.end());
    } else if (!options.export_path.empty()) {
        try {
            rootfs = RootfsChanges(store, state, rootfs_warnings);
            ExportImages(result, effective.image_dir, options.export_path, effective.criu_path,
                         rootfs ? &*rootfs : nullptr);
            result.warnings.insert(result.warnings.end(), rootfs_warnings.begin(), rootfs_warnings.end());
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
    PhaseMarker("checkpoint-destroyed");
    state.status = Status::Checkpointed;
    state.pid = 0;
    state.pid_start_time = 0;
    state.placement = {};
    state.exit_code.reset();
    store.WriteStateOnly(state);
    PhaseMarker("checkpoint-recorded");
    return result;
}

RestoredContainer RestoreContainer(const std::string& state_dir, const std::string& cgroup_driver,
                                   const checkpoint::RestoreOptions& options, bool foreground) {
    RefuseRootless("restore a container");
    checkpoint::RestoreOptions restore_options = options;
    // An archive is extracted next to the images' usual place and gone again after the restore.
    std::optional<ScratchDir> scratch;
    checkpoint::ArchiveManifest manifest;
    if (!options.import_path.empty())
        manifest = ExtractImport(restore_options, scratch);
    // Before any state, cgroup or CRIU process: a vanished netns must leave everything as it was.
    checkpoint::Descriptor descriptor = CheckRestorable(restore_options);
    if (restore_options.name.empty())
        restore_options.name = descriptor.container;
    ContainerId id(restore_options.name);

    StateStore store(state_dir);
    store.EnsureDir(id);
    ContainerLock lock(store.Dir(id));
    std::optional<ContainerState> previous = ClearStoppedNamesake(store, id);

    RestoredContainer restored;
    restored.state_dir_ = state_dir;
    if (foreground)
        restored.signals_ = std::make_unique<ForwardedSignals>();
    std::unique_ptr<cgroup::Driver> driver = cgroup::MakeDriver(cgroup_driver);
    // Recorded before CRIU makes anything, so that a kill of this process from here on leaves an
    // entry `list` shows and `rm --force` removes with whatever CRIU restored (see Status::Creating).
    ContainerState creating = CreatingState(id, restore_options, descriptor);
    // Checked all it could: now the rootfs gets what the container had changed in it.
    std::optional<checkpoint::RootfsBaseline> baseline;
    if (manifest.rootfs_diff) {
        try {
            baseline = ApplyRootfsChanges(restore_options, creating.config.rootfs);
        } catch (...) {
            if (!previous)
                store.Remove(id);
            throw;
        }
    }
    PhaseMarker("restore-locked");
    checkpoint::RestoredContainer r;
    try {
        store.Write(creating);
        PhaseMarker("restore-recorded-creating");
        r = checkpoint::Restore(restore_options, *driver);
    } catch (...) {
        if (previous)
            store.Write(*previous);
        else
            store.Remove(id);
        if (scratch)
            scratch->Keep();  // CRIU's restore.log, named in the error, is in there
        throw;
    }

    PhaseMarker("restore-restored");
    ContainerState& state = restored.state_;
    state = RecordRunning(store, id, r, *driver);
    PhaseMarker("restore-recorded");
    if (baseline)
        WriteFileAtomic(BaselinePath(store, id), checkpoint::FormatRootfsBaseline(*baseline), 0600,
                        Durability::RuntimeOnly);
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
