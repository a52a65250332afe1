#pragma once
// Noticing the kernel's OOM kills in a container's memory cgroup, for whoever watches the container
// (its monitor): a pollable fd and the cgroup's oom_kill counter.
#include <cstdint>
#include <optional>
#include <string>

#include "cgroup/driver.hpp"
#include "util/fd.hpp"

namespace berth::cgroup {

// An armed watch's notification fd and /proc/vmstat's oom_kill when it was armed, as passed to
// another process that takes the watch over.
struct OomRegistration {
    UniqueFd fd;
    std::optional<uint64_t> system_kills;
};

class OomWatch {
public:
    // Watches the placement's memory cgroup: v1 an eventfd registered for memory.oom_control in
    // cgroup.event_control (signalled when the cgroup goes OOM, before the kill, and when it is
    // removed), v2 inotify on memory.events (modified after each event). Without a memory cgroup
    // or when it cannot be watched, Fd() is -1 and Why() says why.
    explicit OomWatch(const Placement& placement);
    // The watch on the same placement that another process registered, its Fd() passed over a
    // socket (berthd's monitor takes over the one its spare registered right after the start).
    OomWatch(const Placement& placement, OomRegistration registered);

    int Fd() const { return notify_.Get(); }
    const std::string& Why() const { return why_; }
    // Hands the registration over (to pass it on); Fd() is -1 after.
    OomRegistration TakeRegistration() { return {std::move(notify_), system_kills_}; }
    // Consumes the pending notification (Fd() becomes unreadable until the next one).
    void Drain();
    // v1: how many times the eventfd was signalled so far (each OOM of the cgroup, once more when
    // the cgroup is removed), counted by Drain; 0 on v2.
    uint64_t Signals() const { return signals_; }
    // Whether the kernel's OOM killer killed anything anywhere (/proc/vmstat oom_kill) since this
    // watch was made: what is left to tell once the cgroup and its counter are gone.
    bool SystemOomKillSinceArmed() const;
    // The cgroup's oom_kill counter (memory.oom_control / memory.events); nullopt once it is gone.
    std::optional<uint64_t> Kills() const;

private:
    std::string counter_file_;  // memory.oom_control or memory.events, "" without a memory cgroup
    UniqueFd notify_;
    bool inotify_ = false;
    uint64_t signals_ = 0;
    std::optional<uint64_t> system_kills_;  // /proc/vmstat oom_kill when armed
    std::string why_;
};

// The "oom_kill N" line of memory.oom_control, memory.events or /proc/vmstat text; nullopt without one.
std::optional<uint64_t> ParseOomKillCount(const std::string& text);

}  // namespace berth::cgroup
