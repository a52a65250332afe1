#pragma once
// Operations on one cgroup directory and its sub-tree: processes, creation, removal.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace berth::cgroup {

// A cgroup file's text, or nullopt when the cgroup is gone: missing (ENOENT) or removed while we
// read it (ENODEV, e.g. a scope systemd collects under us). Other errors throw.
std::optional<std::string> ReadCgroupFileIfPresent(const std::string& path);

// Every pid in dir/cgroup.procs and in every sub-cgroup below it; a vanished dir yields nothing.
std::vector<pid_t> ReadProcsRecursive(const std::string& dir);
// Moves pid into dir (writes dir/cgroup.procs).
void MoveProcess(const std::string& dir, pid_t pid);
// mkdir; true when it created the directory, false when it already existed. Throws on other errors.
bool MakeCgroupDir(const std::string& dir);
// Removes dir and every sub-cgroup below it, deepest first, retrying EBUSY for up to `patience`
// (a killed task leaves its cgroup a moment after it died). A missing dir is not an error.
void RemoveCgroupTree(const std::string& dir, std::chrono::milliseconds patience = std::chrono::seconds(5));

// Polls pred every few milliseconds until it holds or timeout passes; returns its last value.
template <typename Pred>
bool WaitUntil(Pred pred, std::chrono::milliseconds timeout);

}  // namespace berth::cgroup

#include <thread>

namespace berth::cgroup {

template <typename Pred>
bool WaitUntil(Pred pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        if (pred())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(20));
    }
}

}  // namespace berth::cgroup
