#include "manager/oom_tracker.hpp"

#include <utility>

#include "util/log.hpp"

namespace berth::manager {

OomTracker::OomTracker(Manager& manager, const MonitoredInit& init, cgroup::OomRegistration registered)
    : manager_(manager), init_(init), watch_(init.oom_watch) {
    try {
        ContainerState state = manager.GetStatus(init.id);
        seen_ = state.oom_kills;
        if (!watch_ && registered.fd)
            watch_ = &own_.emplace(state.placement, std::move(registered));
        else if (!watch_)
            watch_ = &own_.emplace(state.placement);
        if (watch_->Fd() < 0)
            LogDebug("Not watching container " + init.id.str() + " for OOM kills: " + watch_->Why());
    } catch (const std::exception& e) {
        LogDebug("Not watching container " + init.id.str() + " for OOM kills: " + e.what());
    }
}

void OomTracker::Check(bool notified, bool exited, bool killed) {
    if (!watch_)
        return;
    uint64_t signals = watch_->Signals();
    if (notified || exited) {
        watch_->Drain();
        rechecks_ = notified ? 100 : rechecks_;
    } else if (rechecks_ > 0) {
        --rechecks_;
    }
    std::optional<uint64_t> kills = watch_->Kills();
    // v1 signals the eventfd when the cgroup goes OOM (before the kill) and again once the
    // cgroup is removed: a signal drained while the cgroup was still there was an OOM.
    if (kills && *kills <= seen_ && watch_->Signals() > signals)
        oom_pending_ = true;
    // systemd may remove the scope's cgroup before the counter is read (again): an init killed
    // after its cgroup was notified of an OOM not counted yet, while the OOM killer killed, was
    // its victim.
    const bool uncounted = oom_pending_ || (!counted_ && watch_->Signals() > 0);
    if (!kills && exited && killed && uncounted && watch_->SystemOomKillSinceArmed())
        kills = seen_ + 1;
    if (!kills || *kills <= seen_)
        return;
    seen_ = *kills;
    rechecks_ = 0;
    oom_pending_ = false;
    counted_ = true;
    try {
        manager_.RecordOomKills(init_.id, init_.pid, init_.start_time, seen_);
    } catch (const std::exception& e) {
        LogDebug("Not recording the OOM kills of " + init_.id.str() + ": " + e.what());
    }
}

}  // namespace berth::manager
