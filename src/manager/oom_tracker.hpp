#pragma once
// Whoever waits for a container's init (berthd's monitor server, a foreground berthctl) records the
// OOM kills of its memory cgroup in its state as the kernel reports them: berthd announces them
// (the oom event) and `state` shows exit_reason oom-kill.
#include <cstdint>
#include <optional>

#include "cgroup/oom_watch.hpp"
#include "manager/container_monitor.hpp"

namespace berth::manager {

class OomTracker {
public:
    // init: borrowed for the tracker's life. The watch: init.oom_watch (armed before the init's
    // program started), else one made from registered (a watch another process armed, its fd
    // passed here), else one armed now. Without a watchable memory cgroup Fd() is -1.
    OomTracker(Manager& manager, const MonitoredInit& init, cgroup::OomRegistration registered = {});
    int Fd() const { return watch_ ? watch_->Fd() : -1; }
    // cgroup v1 notifies before the kill: after a notification the counter is read again for a while.
    int PollTimeoutMs() const { return rechecks_ > 0 ? 10 : -1; }
    // After Fd() was readable (notified), a poll timeout, or the init's exit (exited; killed: by
    // SIGKILL, as the OOM killer kills): reads the counter and records it if it grew.
    void Check(bool notified, bool exited = false, bool killed = false);
    uint64_t Kills() const { return seen_; }

private:
    Manager& manager_;
    const MonitoredInit& init_;
    cgroup::OomWatch* watch_;
    std::optional<cgroup::OomWatch> own_;
    uint64_t seen_ = 0;
    int rechecks_ = 0;
    bool oom_pending_ = false;  // an OOM notified, its kill not counted yet
    bool counted_ = false;      // a kill counted since the watch was armed
};

}  // namespace berth::manager
