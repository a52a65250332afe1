#pragma once
// One-step migration of a running container to another host (berthctl migrate): the sender and
// the receiver talk over one TCP connection (migration_channel.hpp).
//
//   sender                                   receiver
//   MIGR request, CHCK archive (descriptor,  -> checks CRIU, CPU, netns, rootfs, name; starts
//        cpuinfo.img: no dump yet)              CRIU's page server
//                                            <- REDY page server port | REFU reason
//   CRIU dump, pages to the page server;
//   at post-dump (tasks frozen):
//   IMGS archive (images without pages,      -> checks it as an import, restores it with the pages
//        descriptor, rootfs diff)            <- DONE name, pid | FAIL reason
//   DONE: CRIU kills the frozen tasks, the source is removed.
//   FAIL or a broken connection: CRIU resumes the tasks where they are; the source runs on.
//
// The checkpoint travels as the archive of `checkpoint --export` (archive.hpp), checked on arrival
// exactly as `restore --import` checks one.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.hpp"
#include "manager/container_id.hpp"
#include "manager/manager.hpp"
#include "manager/migration_channel.hpp"

namespace berth::manager {

inline constexpr int kMigrationProtocol = 1;

struct MigrateOptions {
    HostPort to;
    std::string new_name;    // empty: the same name on the receiver
    std::string netns_path;  // the receiver's netns to restore into; empty: the recorded path
    checkpoint::CriuFlags flags;
    std::string work_dir;  // the sender's scratch (images without pages, the archives); empty: /var/tmp
    std::string criu_path = checkpoint::DefaultCriuPath();
};

// How long each phase took, as the sender saw it.
struct MigrationReport {
    std::string restored_name;
    pid_t restored_pid = 0;  // on the receiver
    std::chrono::milliseconds checked{0};   // connect, the receiver's checks, its page server up
    std::chrono::milliseconds dumped{0};    // CRIU's dump (freeze) to post-dump: the pages sent
    std::chrono::milliseconds archived{0};  // the archive of the other images and the rootfs diff
    std::chrono::milliseconds sent{0};
    std::chrono::milliseconds restored{0};  // the receiver's checks and restore, until it answered
    std::chrono::milliseconds removed{0};   // the source's tasks killed, cgroup and state removed
    std::chrono::milliseconds downtime{0};  // dump request (freeze) to the receiver's answer
    uint64_t archive_bytes = 0;
    uint64_t page_bytes = 0;  // what the receiver's page server wrote
    std::vector<std::string> warnings;
};

// The receiver lacks what the container needs (or refused it) before anything was dumped: the
// container runs on untouched.
class MigrationRefused : public Error {
public:
    using Error::Error;
};

// Moves container `id` to the receiver at options.to. On success the container runs there and is
// gone here (tasks, cgroup, state). On any failure it runs here as before: refused before the
// dump (MigrationRefused), or resumed by CRIU when the transfer or the remote restore failed
// (Error, saying so). Throws NoSuchContainer, InvalidState (not running) first.
MigrationReport MigrateContainer(const std::string& state_dir, const ContainerId& id, const MigrateOptions& options);

struct ReceiveOptions {
    HostPort listen;
    std::string work_dir;  // the received pages and archives; empty: /var/tmp
    std::string cgroup_driver;
    std::string log_dir;  // the restored container's log (as restore --detach)
    std::string criu_path = checkpoint::DefaultCriuPath();
    // Called once listening, with the port (the kernel's pick for port 0).
    std::function<void(int port)> on_listening;
};

struct ReceivedContainer {
    ContainerState state;
    std::chrono::milliseconds restored{0};  // archive received to restored
};

// Waits for one migration on options.listen and restores it (as restore --detach does: a monitor
// is the restored init's parent). Throws with the reason it refused or failed, after telling the
// sender.
ReceivedContainer ReceiveMigration(Manager& manager, const ReceiveOptions& options);

}  // namespace berth::manager
