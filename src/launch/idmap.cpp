#include "launch/idmap.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

extern char** environ;

namespace berth::launch {
namespace {

// The one mapping an unprivileged process may write itself: its own id (as `unshare -r` does).
bool OnlyOwnId(const std::vector<config::IdMapping>& mappings, uint32_t own) {
    return mappings.size() == 1 && mappings[0].host_id == own && mappings[0].size == 1;
}

// Runs shadow's setuid helper (newuidmap or newgidmap PID INSIDE OUTSIDE COUNT...), which writes the
// map after checking the ranges against /etc/subuid or /etc/subgid; its stderr becomes the error.
void RunIdMapHelper(const char* helper, pid_t pid, const std::vector<config::IdMapping>& mappings) {
    std::vector<std::string> args = {helper, std::to_string(pid)};
    for (const config::IdMapping& m : mappings)
        for (uint32_t value : {m.container_id, m.host_id, m.size})
            args.push_back(std::to_string(value));
    std::vector<char*> argv;
    for (std::string& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0)
        ThrowErrno(std::string("Failed to create a pipe for ") + helper);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.Get(), STDERR_FILENO);
    pid_t child = -1;
    int err = ::posix_spawnp(&child, helper, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err == ENOENT)
        throw Error(std::string("Failed to map the ids of a rootless container: ") + helper +
                    " is not installed (Debian's package uidmap)");
    if (err != 0)
        ThrowErrno(err, std::string("Failed to run ") + helper);
    write_end.Reset();
    std::string output;
    char buf[512];
    for (ssize_t n; (n = ::read(read_end.Get(), buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        output.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            ThrowErrno(std::string("Failed to wait for ") + helper);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    std::string why = TrimRight(output);
    throw Error(std::string("Failed to map the ids of a rootless container with ") + helper + " (" +
                (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                   : "signal " + std::to_string(WTERMSIG(status))) +
                ")" + (why.empty() ? "" : ": " + why) + "; are the ranges in /etc/subuid and /etc/subgid?");
}

}  // namespace

std::string FormatIdMap(const std::vector<config::IdMapping>& mappings) {
    std::string out;
    for (const config::IdMapping& m : mappings)
        out += std::to_string(m.container_id) + ' ' + std::to_string(m.host_id) + ' ' + std::to_string(m.size) + '\n';
    return out;
}

bool IsMapped(const std::vector<config::IdMapping>& mappings, uint32_t id) {
    for (const config::IdMapping& m : mappings)
        if (id >= m.container_id && id - m.container_id < m.size)
            return true;
    return false;
}

bool SetgroupsDenied(const std::vector<config::IdMapping>& gid_mappings) {
    // newgidmap leaves setgroups allowed once a subordinate range is mapped, and denies it for a
    // map of the caller's own gid alone, as the kernel requires of an unprivileged writer.
    return ::geteuid() != 0 && OnlyOwnId(gid_mappings, ::getegid());
}

bool WriteIdMaps(pid_t pid, const std::vector<config::IdMapping>& uid_mappings,
                 const std::vector<config::IdMapping>& gid_mappings) {
    std::string proc = "/proc/" + std::to_string(pid);
    if (::geteuid() == 0) {
        // A root parent keeps setgroups(2) usable so the container's additional gids work.
        if (!uid_mappings.empty())
            WriteFile(proc + "/uid_map", FormatIdMap(uid_mappings));
        if (!gid_mappings.empty())
            WriteFile(proc + "/gid_map", FormatIdMap(gid_mappings));
        return false;
    }
    if (OnlyOwnId(uid_mappings, ::geteuid()))
        WriteFile(proc + "/uid_map", FormatIdMap(uid_mappings));
    else
        RunIdMapHelper("newuidmap", pid, uid_mappings);
    bool denied = SetgroupsDenied(gid_mappings);
    if (gid_mappings.empty() || denied) {
        WriteFile(proc + "/setgroups", "deny");
        if (!gid_mappings.empty())
            WriteFile(proc + "/gid_map", FormatIdMap(gid_mappings));
        return true;
    }
    RunIdMapHelper("newgidmap", pid, gid_mappings);
    return false;
}

}  // namespace berth::launch
