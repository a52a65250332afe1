// berth-runtime list [--format table|json] [--quiet]: the containers under --root, as runc's:
// a table of ID, PID, STATUS, BUNDLE, CREATED, OWNER; json, the array of their OCI states; -q,
// the ids alone. Containers made by berthctl in the same state dir are listed too (no bundle).
#include <iomanip>
#include <iostream>
#include <sstream>

#include "runtime/context.hpp"
#include "runtime/options.hpp"
#include "runtime/verb.hpp"

namespace berth::runtime {
namespace {

// Left-aligned columns two spaces apart, as Go's tabwriter lays out runc's table.
void PrintTable(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> widths;
    for (const auto& row : rows)
        for (size_t i = 0; i < row.size(); ++i) {
            widths.resize(std::max(widths.size(), row.size()));
            widths[i] = std::max(widths[i], row[i].size());
        }
    for (const auto& row : rows) {
        std::ostringstream line;
        for (size_t i = 0; i < row.size(); ++i) {
            if (i + 1 < row.size())
                line << std::left << std::setw(static_cast<int>(widths[i] + 2)) << row[i];
            else
                line << row[i];
        }
        std::cout << line.str() << "\n";
    }
}

int ListMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    std::string format = "table";
    bool quiet = false;
    OptionParser options(args);
    while (options.AtOption()) {
        const std::string name = options.Name();
        if (name == "f" || name == "format")
            format = options.TakeValue();
        else if (name == "q" || name == "quiet")
            quiet = options.TakeFlag();
        else
            options.RejectUnknown();
    }
    if (!options.Rest().empty())
        throw UsageError{"unexpected argument '" + options.Rest()[0] + "'"};
    if (format != "table" && format != "json")
        throw UsageError{"invalid format option '" + format + "' (table or json)"};

    manager::Manager manager = MakeManager(global);
    nlohmann::json states = nlohmann::json::array();
    for (const manager::ListEntry& entry : manager.List()) {
        if (!entry.state) {
            std::cerr << "berth-runtime: list: skipping " << entry.name << ": " << entry.error << "\n";
            continue;
        }
        states.push_back(OciState(*entry.state, LoadExtras(global, manager::ContainerId(entry.name))));
    }
    if (quiet) {
        for (const nlohmann::json& state : states)
            std::cout << state["id"].get<std::string>() << "\n";
    } else if (format == "json") {
        std::cout << states.dump() << "\n";
    } else {
        std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
        for (const nlohmann::json& state : states)
            rows.push_back({state["id"].get<std::string>(), std::to_string(state["pid"].get<int64_t>()),
                            state["status"].get<std::string>(), state["bundle"].get<std::string>(),
                            state["created"].get<std::string>(), state["owner"].get<std::string>()});
        PrintTable(rows);
    }
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("list", "list [--format table|json] [--quiet]", "lists containers started by berth-runtime with the given root",
                   ListMain);

}  // namespace berth::runtime
