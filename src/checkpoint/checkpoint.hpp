#pragma once
// Checkpointing a running container with CRIU into an image directory, and restoring one from it.
// The library knows containers only by what the manager hands it (config, init pid, cgroup driver);
// recording state is the manager's job.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/driver.hpp"
#include "checkpoint/descriptor.hpp"
#include "config/model.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth::checkpoint {

// $BERTH_CRIU (tests, benchmarks), else criu_path of berthd.toml, else "criu" found on PATH.
std::string DefaultCriuPath();

struct CheckpointResult;

struct CheckpointOptions {
    std::string image_dir;
    std::string work_dir;  // logs and CRIU's scratch files; empty = image_dir
    bool leave_running = false;
    // Pre-copy: a pre-dump writes only the memory and the container keeps running; a later
    // (pre-)dump with parent_dir writes only the pages changed since. Both need the kernel's
    // dirty-memory tracking (checked first: a clear error where it is missing).
    bool pre_dump = false;
    std::string parent_dir;  // absolute: an earlier pre-dump's image directory
    // Also write the checkpoint into this archive (archive.hpp; image_dir may then be empty: the
    // manager dumps into a scratch directory next to it).
    std::string export_path;
    // "ADDRESS:PORT" of a `berthctl page-server` (CRIU's page server): the memory pages go there,
    // the other images into image_dir. Migration: downtime is this dump, the copy of image_dir
    // (small: no pages) to the page server's directory, and the restore there.
    std::string page_server;
    // Called at CRIU's post-dump stage: the images are complete (the pages at the page server) and
    // the tasks still frozen. Throwing makes CRIU resume them where they are, and Checkpoint then
    // throws that exception: a migration whose other side could not restore keeps its container.
    std::function<void(const CheckpointResult&)> post_dump;
    CriuFlags flags;
    std::string manage_cgroups_mode;  // soft, full, strict, ignore, props, none; empty = ignore
    std::string criu_path = DefaultCriuPath();
};

struct CheckpointedContainer {
    std::string name;
    pid_t init_pid = -1;
    config::ContainerConfig config;  // merged
};

struct CheckpointResult {
    Descriptor descriptor;  // as written to the image directory
    std::vector<std::string> warnings;
    std::string log_path;
    // When the DUMP request went to CRIU (the freeze begins) and, for post_dump, when CRIU
    // reached post-dump.
    std::chrono::steady_clock::time_point dump_requested, post_dump_reached;
};

// Dumps the container's process tree. Without leave_running CRIU kills the tasks once the
// images are complete; cleaning up the cgroup and state is the caller's part.
CheckpointResult Checkpoint(const CheckpointedContainer& container, const CheckpointOptions& options);

struct RestoreOptions {
    std::string image_dir;
    std::string work_dir;  // empty = image_dir
    std::string name;      // the restored container's name (the checkpointed one unless --name)
    // The network namespace to restore into instead of the recorded one (another host's name for it).
    std::string netns_path;
    // Restore this archive (archive.hpp) instead of image_dir: extracted into a scratch directory.
    std::string import_path;
    // With import_path: the pages came through a page server into this directory (a migration);
    // the archive's images are extracted beside them and the restore runs from there.
    std::string pages_dir;
    // With import_path: this CRIU's version and this CPU were checked against the dumping host's
    // already (a migration's preflight, over the same connection): not again in the downtime.
    bool host_checked = false;
    // New fds for the init's stdio where it was a pipe or socket at checkpoint time.
    int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;
    std::string criu_path = DefaultCriuPath();
    // The configuration to restore into instead of the checkpointed one (an OCI restore's bundle,
    // possibly a new container made from an exported checkpoint): its rootfs and the sources of its
    // bind mounts replace the recorded ones. The netns joined by path stays the checkpoint's.
    std::optional<config::ContainerConfig> config;
};

struct RestoredContainer {
    pid_t pid = -1;
    UniqueFd pidfd;
    unsigned long long start_time = 0;  // /proc/PID/stat field 22
    cgroup::Placement placement;
    config::ContainerConfig config;  // from the descriptor, renamed to options.name
    Descriptor descriptor;
    std::vector<std::string> warnings;
    UniqueFd terminal_master;  // with config.process.terminal
    std::string log_path;
};

struct PageServerOptions {
    std::string image_dir;  // where the received pages are written
    std::string address;    // empty: every address
    int port = 0;           // 0: one the kernel picks
    std::string criu_path = DefaultCriuPath();
};

struct PageServer {
    pid_t pid = -1;  // CRIU's page server, detached: it exits after one dump has sent its pages
    int port = 0;
    std::string log_path;
};

// Starts CRIU's page server and returns once it listens.
PageServer StartPageServer(const PageServerOptions& options);

// This host lacks what a checkpoint needs (its netns, its rootfs, a new enough CRIU): nothing was
// started, and the images or archive are as they were.
class HostLacks : public Error {
public:
    using Error::Error;
};

// The network namespace a checkpoint was taken in (by path) is gone; what() names the path.
class NetnsUnavailable : public HostLacks {
public:
    using HostLacks::HostLacks;
};

// Reads the descriptor and fails (touching nothing) when its netns path (netns_override when
// given) is gone (NetnsUnavailable) or the container's rootfs is missing. The returned descriptor
// carries netns_override as its netns_path. `config`: the container is restored as this one (an
// OCI bundle's, with its own rootfs), else as the descriptor's.
Descriptor CheckRestorable(const std::string& image_dir, const std::string& netns_override = "",
                           const config::ContainerConfig* config = nullptr);

// Restores into a new cgroup placement made by `cgroups` (created first, CRIU put in it, so the
// restored tasks land there). The restored init is the caller's child (CRIU's rst_sibling).
// On failure nothing is left: the placement is destroyed and restored tasks are killed.
RestoredContainer Restore(const RestoreOptions& options, cgroup::Driver& cgroups);

}  // namespace berth::checkpoint
