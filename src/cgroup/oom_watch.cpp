#include "cgroup/oom_watch.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "cgroup/cgroup_layout.hpp"
#include "cgroup/cgroup_tree.hpp"
#include "cgroup/controller_files.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::cgroup {

std::optional<uint64_t> ParseOomKillCount(const std::string& text) {
    std::istringstream lines(text);
    std::string key;
    uint64_t value = 0;
    while (lines >> key >> value)
        if (key == "oom_kill")
            return value;
    return std::nullopt;
}

namespace {

std::optional<uint64_t> SystemOomKills() {
    try {
        return ParseOomKillCount(ReadFile("/proc/vmstat"));
    } catch (const Error&) {
        return std::nullopt;
    }
}

// The placement's memory cgroup directory ("" without one); v1 set when it is a v1 hierarchy's.
std::string MemoryCgroupDir(const Placement& placement, bool& v1) {
    Layout layout = DetectLayout();
    v1 = false;
    if (const Hierarchy* h = layout.V1ForController("memory")) {
        if (auto it = placement.paths.find(h->key); it != placement.paths.end()) {
            v1 = true;
            return it->second;
        }
    } else if (auto it = placement.paths.find(kUnifiedKey); it != placement.paths.end()) {
        return it->second;
    }
    return "";
}

}  // namespace

bool OomWatch::SystemOomKillSinceArmed() const {
    std::optional<uint64_t> now = SystemOomKills();
    return system_kills_ && now && *now > *system_kills_;
}

OomWatch::OomWatch(const Placement& placement, OomRegistration registered) {
    bool v1 = false;
    std::string dir = MemoryCgroupDir(placement, v1);
    system_kills_ = registered.system_kills;
    if (dir.empty() || !registered.fd) {
        why_ = dir.empty() ? "the container has no memory cgroup" : "no OOM notification fd was passed";
        return;
    }
    counter_file_ = dir + "/" + (v1 ? files::kMemoryOomControl : files::kMemoryEvents);
    inotify_ = !v1;
    notify_ = std::move(registered.fd);
}

OomWatch::OomWatch(const Placement& placement) {
    bool v1 = false;
    std::string dir = MemoryCgroupDir(placement, v1);
    if (dir.empty()) {
        why_ = "the container has no memory cgroup";
        return;
    }
    counter_file_ = dir + "/" + (v1 ? files::kMemoryOomControl : files::kMemoryEvents);
    if (!v1) {
        UniqueFd fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
        if (!fd || inotify_add_watch(fd.Get(), counter_file_.c_str(), IN_MODIFY) < 0) {
            why_ = "Failed to watch " + counter_file_ + ": " + strerror(errno);
            return;
        }
        notify_ = std::move(fd);
        inotify_ = true;
        return;
    }
    UniqueFd event(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    UniqueFd control(open(counter_file_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!event || !control) {
        why_ = "Failed to open " + counter_file_ + " for OOM notifications: " + strerror(errno);
        return;
    }
    try {
        WriteFile(dir + "/cgroup.event_control",
                  std::to_string(event.Get()) + " " + std::to_string(control.Get()));
    } catch (const Error& e) {
        why_ = e.what();
        return;
    }
    // The registration holds what it needs; the oom_control fd may go.
    notify_ = std::move(event);
    system_kills_ = SystemOomKills();
}

void OomWatch::Drain() {
    if (!notify_)
        return;
    if (inotify_) {
        char buf[4096];
        while (read(notify_.Get(), buf, sizeof buf) > 0) {
        }
        return;
    }
    uint64_t count = 0;
    while (read(notify_.Get(), &count, sizeof count) == static_cast<ssize_t>(sizeof count))
        signals_ += count;
}

std::optional<uint64_t> OomWatch::Kills() const {
    if (counter_file_.empty())
        return std::nullopt;
    try {
        std::optional<std::string> text = ReadCgroupFileIfPresent(counter_file_);
        return text ? ParseOomKillCount(*text) : std::nullopt;
    } catch (const Error&) {
        return std::nullopt;  // removed while read (ENODEV)
    }
}

}  // namespace berth::cgroup
