// berth-runtime ps [--format table|json] ID [PS_ARGS...]: the container's processes, as runc's:
// json is the array of pids in its cgroup (what the containerd shim reads); table is ps(1)'s
// output (PS_ARGS, default -ef) cut down to those pids.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "runtime/options.hpp"
#include "runtime/context.hpp"
#include "runtime/verb.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth::runtime {
namespace {

// ps(1) with args, its standard output; throws Error when it cannot run or fails.
std::string RunPs(const std::vector<std::string>& args) {
    auto [read_end, write_end] = MakeSocketPair(SOCK_STREAM);
    pid_t child = ::fork();
    if (child < 0)
        ThrowErrno("Failed to fork for ps");
    if (child == 0) {
        ::dup2(write_end.Get(), 1);
        std::vector<char*> argv = {const_cast<char*>("ps")};
        for (const std::string& arg : args)
            argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        ::execvp("ps", argv.data());
        ::_exit(127);
    }
    write_end.Reset();
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(read_end.Get(), buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error("ps " + (args.empty() ? std::string() : args[0]) + " failed (exit status " +
                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) + ")");
    return out;
}

// The header and the lines of ps output whose PID column holds one of pids.
std::string FilterPsTable(const std::string& table, const std::vector<pid_t>& pids) {
    std::istringstream lines(table);
    std::string header;
    std::getline(lines, header);
    std::istringstream columns(header);
    size_t pid_column = 0;
    for (std::string column; columns >> column; ++pid_column)
        if (column == "PID")
            break;
    std::string out = header + "\n";
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string field;
        for (size_t i = 0; i <= pid_column && fields >> field; ++i) {
        }
        pid_t pid = static_cast<pid_t>(std::atol(field.c_str()));
        if (std::find(pids.begin(), pids.end(), pid) != pids.end())
            out += line + "\n";
    }
    return out;
}

int PsMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    std::string format = "table";
    OptionParser options(args);
    while (options.AtOption()) {
        const std::string name = options.Name();
        if (name == "f" || name == "format")
            format = options.TakeValue();
        else
            options.RejectUnknown();
    }
    std::vector<std::string> rest = options.Rest();
    if (rest.empty())
        throw UsageError{"container id cannot be empty"};
    if (format != "table" && format != "json")
        throw UsageError{"invalid format option '" + format + "' (table or json)"};
    std::vector<pid_t> pids = MakeManager(global).Processes(manager::ContainerId(rest[0]));
    if (format == "json") {
        if (rest.size() > 1)
            throw UsageError{"ps options cannot be used with --format json"};
        std::cout << nlohmann::json(pids).dump() << "\n";
        return 0;
    }
    std::vector<std::string> ps_args(rest.begin() + 1, rest.end());
    if (ps_args.empty())
        ps_args = {"-ef"};
    std::cout << FilterPsTable(RunPs(ps_args), pids);
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("ps", "ps [--format table|json] ID [PS_ARGS...]",
                   "ps displays the processes running inside a container", PsMain);

}  // namespace berth::runtime
