// berthctl list: every container in the state dir, as a table or JSON. Unreadable state is
// reported on stderr and skipped.
#include <iomanip>
#include <iostream>

#include "cli/arg_cursor.hpp"
#include "cli/backend.hpp"
#include "cli/state_json.hpp"

namespace berth::cli {
namespace {

void PrintRow(const std::string& name, const std::string& pid, const std::string& status, const std::string& created,
              const std::string& rootfs) {
    std::cout << std::left << std::setw(24) << name << ' ' << std::setw(8) << pid << ' ' << std::setw(8) << status << ' '
              << std::setw(30) << created << ' ' << rootfs << "\n";
}

int ListMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    bool json = false;
    ArgCursor cursor(args);
    while (!cursor.Done()) {
        if (cursor.TakeFlag("--json"))
            json = true;
        else if (cursor.AtOption())
            cursor.RejectUnknown();
        else
            throw UsageError{"unexpected argument " + cursor.Peek()};
    }
    // The table shows no cgroup paths.
    std::vector<manager::ListEntry> entries = MakeBackend(global)->InspectAll(/*with_cgroup_paths=*/json);
    toml::array json_rows;
    if (!json)
        PrintRow("NAME", "PID", "STATUS", "CREATED", "ROOTFS");
    for (const manager::ListEntry& entry : entries) {
        if (!entry.state) {
            std::cerr << "berthctl list: skipping " << entry.name << ": " << entry.error << "\n";
            continue;
        }
        const manager::ContainerState& state = *entry.state;
        if (json) {
            json_rows.push_back(StateToJson(state));
            continue;
        }
        const bool live = state.status == manager::Status::Running || state.status == manager::Status::Paused;
        PrintRow(state.name, std::to_string(live ? state.pid : 0), manager::StatusName(state.status), state.created,
                 state.rootfs);
    }
    if (json)
        PrintJson(std::cout, json_rows);
    return 0;
}

}  // namespace

BERTH_VERB("list", "list [--json]", "list containers (name, pid, status, created, rootfs)", ListMain);

}  // namespace berth::cli
