#include "cgroup/cgroup_tree.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <sstream>

#include "cgroup/controller_files.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::cgroup {
namespace {

// Names of the sub-directories of dir (sub-cgroups); empty when dir vanished.
std::vector<std::string> SubCgroups(const std::string& dir) {
    std::vector<std::string> names;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d) {
        if (errno == ENOENT)
            return names;
        ThrowErrno("Failed to list cgroup " + dir);
    }
    while (struct dirent* entry = ::readdir(d.get())) {
        std::string name = entry->d_name;
        if (entry->d_type == DT_DIR && name != "." && name != "..")
            names.push_back(name);
    }
    return names;
}

void CollectProcs(const std::string& dir, std::vector<pid_t>& pids) {
    std::optional<std::string> text = ReadCgroupFileIfPresent(dir + "/" + files::kProcs);
    if (!text)
        return;
    std::istringstream in(*text);
    pid_t pid;
    while (in >> pid)
        pids.push_back(pid);
    for (const std::string& sub : SubCgroups(dir))
        CollectProcs(dir + "/" + sub, pids);
}

}  // namespace

std::optional<std::string> ReadCgroupFileIfPresent(const std::string& path) {
    try {
        return ReadFileIfExists(path);
    } catch (const Error& e) {
        if (e.Errno() == ENODEV)
            return std::nullopt;
        throw;
    }
}

std::vector<pid_t> ReadProcsRecursive(const std::string& dir) {
    std::vector<pid_t> pids;
    CollectProcs(dir, pids);
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    return pids;
}

void MoveProcess(const std::string& dir, pid_t pid) {
    try {
        WriteFile(dir + "/" + files::kProcs, std::to_string(pid));
    } catch (const Error& e) {
        ThrowErrno(e.Errno(), "Failed to move process " + std::to_string(pid) + " into cgroup " + dir);
    }
}

bool MakeCgroupDir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) == 0)
        return true;
    if (errno == EEXIST)
        return false;
    ThrowErrno("Failed to create cgroup " + dir);
}

void RemoveCgroupTree(const std::string& dir, std::chrono::milliseconds patience) {
    for (const std::string& sub : SubCgroups(dir))
        RemoveCgroupTree(dir + "/" + sub, patience);
    int err = 0;
    WaitUntil(
        [&] {
            if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) {
                err = 0;
                return true;
            }
            err = errno;
            return err != EBUSY;  // only EBUSY is worth waiting for
        },
        patience);
    if (err != 0)
        ThrowErrno(err, "Failed to remove cgroup " + dir);
}

}  // namespace berth::cgroup
