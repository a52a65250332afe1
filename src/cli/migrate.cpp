// berthctl migrate NAME --to HOST:PORT [--name NEW] [--netns PATH] [...]: move a running container
// to another host in one step; berthctl migrate --receive --listen [ADDR]:PORT: the other end.
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/absolute_path.hpp"
#include "cli/arg_cursor.hpp"
#include "cli/criu_flag_options.hpp"
#include "cli/manager_access.hpp"
#include "manager/migration.hpp"

namespace berth::cli {
namespace {

std::string Milliseconds(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

void PrintReport(const std::string& name, const manager::MigrateOptions& options, const manager::MigrationReport& r) {
    std::cout << "migrated " << name << " to " << options.to.ToString() << " as " << r.restored_name << " (pid "
              << r.restored_pid << " there)\n"
              << "  checks   " << Milliseconds(r.checked) << " (connect, the receiver's checks, its page server)\n"
              << "  dump     " << Milliseconds(r.dumped) << " (frozen; " << r.page_bytes
              << " bytes of pages to the page server)\n"
              << "  archive  " << Milliseconds(r.archived) << " (" << r.archive_bytes
              << " bytes: images without pages, descriptor, rootfs changes)\n"
              << "  send     " << Milliseconds(r.sent) << "\n"
              << "  restore  " << Milliseconds(r.restored) << " (on the receiver)\n"
              << "  cleanup  " << Milliseconds(r.removed) << " (the source removed)\n"
              << "downtime " << Milliseconds(r.downtime) << " (freeze to restored)" << std::endl;
}

int Receive(const GlobalOptions& global, const std::string& listen, const std::string& work_dir) {
    manager::ReceiveOptions options;
    options.listen = manager::ParseHostPort(listen, "--listen", true);
    options.work_dir = work_dir;
    options.cgroup_driver = global.cgroup_driver;
    options.log_dir = ContainerLogDir(global);
    options.on_listening = [&](int port) {
        std::cout << "listening on " << manager::HostPort{options.listen.host, port}.ToString() << std::endl;
    };
    manager::Manager manager = MakeManager(global);
    manager::ReceivedContainer received = manager::ReceiveMigration(manager, options);
    std::cout << "restored " << received.state.name << " (pid " << received.state.pid << ") in "
              << Milliseconds(received.restored) << std::endl;
    return 0;
}

int MigrateMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    std::optional<std::string> name;
    std::string to, listen;
    bool receive = false;
    manager::MigrateOptions options;
    for (ArgCursor cursor(args); !cursor.Done();) {
        if (auto t = cursor.TakeValue("--to"))
            to = *t;
        else if (auto l = cursor.TakeValue("--listen"))
            listen = *l;
        else if (auto n = cursor.TakeValue("--name"))
            options.new_name = *n;
        else if (auto ns = cursor.TakeValue("--netns"))
            options.netns_path = *ns;
        else if (auto w = cursor.TakeValue("--work-path"))
            options.work_dir = AbsolutePathOf(*w);
        else if (cursor.TakeFlag("--receive"))
            receive = true;
        else if (TakeCriuFlag(cursor, options.flags))
            continue;
        else
            cursor.TakeName(name);
    }
    if (receive) {
        if (name || !to.empty() || !options.new_name.empty() || !options.netns_path.empty())
            throw UsageError{"--receive takes --listen [ADDR]:PORT and --work-path only (the sender names the "
                             "container, --name and --netns)"};
        if (listen.empty())
            throw UsageError{"--receive needs --listen [ADDR]:PORT"};
        return Receive(global, listen, options.work_dir);
    }
    if (!name)
        throw UsageError{"missing container name"};
    if (to.empty())
        throw UsageError{"--to HOST:PORT is required (the address of a `berthctl migrate --receive`)"};
    if (!listen.empty())
        throw UsageError{"--listen belongs to migrate --receive"};
    try {
        options.to = manager::ParseHostPort(to, "--to", false);
    } catch (const Error& e) {
        throw UsageError{e.what()};
    }
    manager::MigrationReport report = manager::MigrateContainer(global.state_dir, manager::ContainerId(*name), options);
    for (const std::string& warning : report.warnings)
        std::cerr << "warning: " << warning << "\n";
    PrintReport(*name, options, report);
    return 0;
}

}  // namespace

BERTH_VERB("migrate",
           "migrate NAME --to HOST:PORT [--name NEW] [--netns PATH] [--work-path DIR] [--tcp-established] "
           "[--ext-unix-sk] [--shell-job] [--file-locks] | migrate --receive --listen [ADDR]:PORT [--work-path DIR]",
           "move a running container to another host in one step (pages through CRIU's page server)", MigrateMain);

}  // namespace berth::cli
