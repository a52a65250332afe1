#include "bus/daemon.hpp"

#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <set>

#include "bus/errors.hpp"
#include "manager/container_id.hpp"
#include "bus/events.hpp"
#include "util/file.hpp"
#include "util/proc_stat.hpp"
#include "util/log.hpp"
#include "util/pidfd.hpp"

namespace berth::bus {

namespace {

bool IsLive(const ContainerRecord& record) {
    return record.leader > 0 && (record.state == "running" || record.state == "paused" || record.state == "created");
}

}  // namespace

Daemon::Daemon(std::unique_ptr<Engine> engine, sd_event* event, sd_bus* bus)
    : engine_(std::move(engine)), event_(event), bus_(bus) {
    sd_event_source* source = nullptr;
    CheckNegErrno(sd_event_add_io(event_, &source, pool_.EventFd(), EPOLLIN, &Daemon::OnFollowUps, this),
                  "Failed to watch worker completions");
    follow_up_source_.reset(source);
}

Daemon::~Daemon() = default;

const ContainerRecord* Daemon::Find(const std::string& name) const {
    auto it = records_.find(name);
    return it == records_.end() ? nullptr : &it->second;
}

void Daemon::Export() {
    std::vector<std::string> names;
    try {
        names = engine_->List();
    } catch (const std::exception& e) {
        LogWarning(std::string("Failed to list containers: ") + e.what());
    }
    for (const auto& name : names) {
        try {
            Upsert(engine_->Load(name));
        } catch (const std::exception& e) {
            // A corrupt or half-written state must not stop the daemon or touch the container.
            LogWarning("Failed to re-adopt container " + name + ", skipping it: " + e.what());
        }
    }
    AddManagerObject(*this, slots_);
    AddContainerObjects(*this, slots_);
}

void Daemon::FollowStateDir(const std::string& state_dir) {
    state_dir_ = state_dir;
    MakeDirs(state_dir, 0711);
    inotify_ = UniqueFd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!inotify_)
        ThrowErrno("Failed to watch state directory " + state_dir);
    root_watch_ = inotify_add_watch(inotify_.Get(), state_dir.c_str(),
                                    IN_ONLYDIR | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE);
    if (root_watch_ < 0)
        ThrowErrno("Failed to watch state directory " + state_dir);
    sd_event_source* source = nullptr;
    CheckNegErrno(sd_event_add_io(event_, &source, inotify_.Get(), EPOLLIN, &Daemon::OnStateDirEvents, this),
                  "Failed to watch state directory " + state_dir);
    inotify_source_.reset(source);
    std::vector<std::string> names;
    try {
        names = engine_->List();
    } catch (const std::exception& e) {
        LogWarning(std::string("Failed to list containers: ") + e.what());
    }
    for (const auto& name : names)
        FollowContainerDir(name);
}

void Daemon::FollowContainerDir(const std::string& name) {
    std::string dir = state_dir_ + "/" + name;
    int watch = inotify_add_watch(inotify_.Get(), dir.c_str(), IN_ONLYDIR | IN_MOVED_TO | IN_MOVE_SELF | IN_DELETE_SELF);
    if (watch < 0) {
        if (errno != ENOENT)
            LogWarning("Failed to watch " + dir + ": " + strerror(errno) + " (changes made beside berthd show late)");
        return;
    }
    dir_watches_[watch] = name;
}

int Daemon::OnStateDirEvents(sd_event_source*, int fd, uint32_t, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    alignas(struct inotify_event) char buf[16384];
    std::set<std::string> changed;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (char* p = buf; p < buf + n;) {
            auto* event = reinterpret_cast<struct inotify_event*>(p);
            p += sizeof(struct inotify_event) + event->len;
            std::string entry = event->len ? event->name : "";
            if (event->wd == self->root_watch_) {
                if (!manager::ContainerId::IsValid(entry))
                    continue;  // the renamed-away directory of a removal, a temporary file
                if ((event->mask & (IN_CREATE | IN_MOVED_TO)) && (event->mask & IN_ISDIR))
                    self->FollowContainerDir(entry);
                changed.insert(entry);
                continue;
            }
            auto watch = self->dir_watches_.find(event->wd);
            if (watch == self->dir_watches_.end())
                continue;
            if (event->mask & (IN_MOVE_SELF | IN_DELETE_SELF | IN_IGNORED)) {
                // Renamed away by a removal: whatever comes under the name next is a new directory.
                if (!(event->mask & IN_IGNORED))
                    inotify_rm_watch(fd, event->wd);
                changed.insert(watch->second);
                self->dir_watches_.erase(watch);
            } else if (entry == "state.toml") {
                changed.insert(watch->second);
            }
        }
    }
    for (const auto& name : changed)
        self->Refresh(name);
    return 0;
}

void Daemon::Refresh(const std::string& name) {
    Submit(nullptr, name, [name](Engine& engine) {
        try {
            ContainerRecord record = engine.Load(name);
            // The init is gone and its monitor is about to record how it ended: wait for that
            // rather than announce "stopped" without an exit status.
            if (record.state == "stopped" && record.exit_status < 0)
                record = engine.Reap(name);
            return Outcome{.record = record};
        } catch (const ApiError& e) {
            if (e.Kind() != ApiErrorKind::NoSuchContainer)
                throw;
            return Outcome{.removed = true};
        }
    });
}

void Daemon::Submit(sd_bus_message* call, const std::string& name, Operation op) {
    MessagePtr held = call ? RefMessage(call) : MessagePtr();
    auto shared_call = std::make_shared<MessagePtr>(std::move(held));
    pool_.Submit(name, [this, name, op = std::move(op), shared_call]() -> StrandPool::FollowUp {
        Outcome outcome;
        std::optional<BusErrorText> failure;
        try {
            outcome = op(*engine_);
        } catch (...) {
            failure = DescribeException(std::current_exception());
        }
        return [this, name, outcome = std::move(outcome), failure, shared_call]() mutable {
            sd_bus_message* m = shared_call->get();
            if (failure) {
                if (m)
                    sd_bus_reply_method_errorf(m, failure->name.c_str(), "%s", failure->message.c_str());
                else
                    LogWarning(failure->message);
                return;
            }
            Apply(name, outcome);
            if (!m)
                return;
            int r = 0;
            switch (outcome.reply) {
            case Outcome::Reply::Empty:
                r = sd_bus_reply_method_return(m, "");
                break;
            case Outcome::Reply::ObjectPath:
                r = sd_bus_reply_method_return(m, "o", ContainerObjectPath(name).c_str());
                break;
            case Outcome::Reply::Pid:
                r = sd_bus_reply_method_return(m, "u", static_cast<uint32_t>(outcome.pid));
                break;
            case Outcome::Reply::Custom: {
                sd_bus_message* raw = nullptr;
                r = sd_bus_message_new_method_return(m, &raw);
                MessagePtr reply(raw);
                if (r >= 0)
                    r = outcome.append(raw);
                if (r >= 0)
                    r = sd_bus_send(nullptr, raw, nullptr);
                break;
            }
            }
            if (r < 0)
                LogWarning("Failed to send reply for container " + name + ": " + strerror(-r));
        };
    });
}

void Daemon::SubmitList(sd_bus_message* call) {
    auto shared_call = std::make_shared<MessagePtr>(RefMessage(call));
    std::set<std::string> known;
    for (const auto& [name, record] : records_)
        known.insert(name);
    // Its own strand: listing must not wait behind a slow operation on one container.
    pool_.Submit("\x01list", [this, known, shared_call]() -> StrandPool::FollowUp {
        std::vector<std::string> names;
        std::vector<ContainerRecord> found;
        std::optional<BusErrorText> failure;
        try {
            names = engine_->List();
            for (const auto& name : names) {
                if (known.count(name))
                    continue;
                try {
                    found.push_back(engine_->Load(name));
                } catch (const std::exception& e) {
                    LogWarning("Failed to load container " + name + ", skipping it: " + e.what());
                }
            }
        } catch (...) {
            failure = DescribeException(std::current_exception());
        }
        return [this, names, found, failure, shared_call] {
            sd_bus_message* m = shared_call->get();
            if (failure) {
                sd_bus_reply_method_errorf(m, failure->name.c_str(), "%s", failure->message.c_str());
                return;
            }
            std::set<std::string> present(names.begin(), names.end());
            for (const auto& record : found)
                if (!records_.count(record.name))
                    Upsert(record);
            std::vector<std::string> gone;
            for (const auto& [name, record] : records_)
                if (!present.count(name) && !pool_.Busy(name))
                    gone.push_back(name);
            for (const auto& name : gone)
                Forget(name);

            sd_bus_message* raw = nullptr;
            int r = sd_bus_message_new_method_return(m, &raw);
            MessagePtr reply(raw);
            if (r >= 0)
                r = sd_bus_message_open_container(raw, 'a', "(ssso)");
            for (const auto& [name, record] : records_) {
                if (r < 0)
                    break;
                r = sd_bus_message_append(raw, "(ssso)", record.name.c_str(), record.id.c_str(),
                                          record.state.c_str(), ContainerObjectPath(name).c_str());
            }
            if (r >= 0)
                r = sd_bus_message_close_container(raw);
            if (r >= 0)
                r = sd_bus_send(nullptr, raw, nullptr);
            if (r < 0)
                LogWarning(std::string("Failed to reply to ListContainers: ") + strerror(-r));
        };
    });
}

void Daemon::Wait(sd_bus_message* call, const std::string& name) {
    waiters_[name].push_back(RefMessage(call));
    const ContainerRecord* record = Find(name);
    if (record && record->state == "stopped" && record->exit_status >= 0)
        AnswerWaiters(name);
    else
        Refresh(name);  // perhaps made, or stopped, beside berthd since we last looked
}

void Daemon::AnswerWaiters(const std::string& name) {
    auto waiting = waiters_.find(name);
    if (waiting == waiters_.end())
        return;
    const ContainerRecord* record = Find(name);
    if (record && (record->state != "stopped" || record->exit_status < 0))
        return;
    for (const MessagePtr& call : waiting->second) {
        int r = record ? sd_bus_reply_method_return(call.get(), "i", record->exit_status)
                       : sd_bus_reply_method_errorf(call.get(), kErrorNoSuchContainer,
                                                    "Container %s was removed before it exited", name.c_str());
        if (r < 0)
            LogWarning("Failed to answer a Wait for container " + name + ": " + strerror(-r));
    }
    waiters_.erase(waiting);
}

void Daemon::Apply(const std::string& name, Outcome& outcome) {
    if (outcome.exec_pidfd)
        WatchExec(name, outcome.pid, outcome.exec_pidfd);
    if (outcome.removed) {
        Forget(name);
        return;
    }
    if (outcome.record)
        Upsert(*outcome.record);
}

void Daemon::Upsert(const ContainerRecord& record) {
    auto it = records_.find(record.name);
    if (it == records_.end()) {
        records_.emplace(record.name, record);
        std::string path = ContainerObjectPath(record.name);
        sd_bus_emit_signal(bus_, kManagerPath, kManagerInterface, "ContainerNew", "so", record.name.c_str(),
                           path.c_str());
        EmitContainerEvents(bus_, record.name, LifecycleEvents(nullptr, &record), record.exit_status);
    } else {
        ContainerRecord before = it->second;
        it->second = record;
        EmitContainerChanges(bus_, before, record);
        EmitContainerEvents(bus_, record.name, LifecycleEvents(&before, &record), record.exit_status);
    }
    WatchLeader(record);
    AnswerWaiters(record.name);
}

void Daemon::Forget(const std::string& name) {
    watches_.erase(name);
    auto it = records_.find(name);
    if (it == records_.end()) {
        AnswerWaiters(name);  // a Wait on a name berthd never knew
        return;
    }
    EmitContainerEvents(bus_, name, LifecycleEvents(&it->second, nullptr), -1);
    records_.erase(it);
    std::string path = ContainerObjectPath(name);
    sd_bus_emit_signal(bus_, kManagerPath, kManagerInterface, "ContainerRemoved", "so", name.c_str(), path.c_str());
    AnswerWaiters(name);
}

void Daemon::WatchLeader(const ContainerRecord& record) {
    auto existing = watches_.find(record.name);
    if (!IsLive(record)) {
        if (existing != watches_.end())
            watches_.erase(existing);
        return;
    }
    if (existing != watches_.end() && existing->second.pid == record.leader)
        return;
    LeaderWatch watch;
    watch.pid = record.leader;
    watch.pidfd = Pidfd::Open(record.leader).TakeFd();
    // Checked after pidfd_open: a pid reused since the record was read must not be watched.
    bool same_process = watch.pidfd && (record.leader_start_time == 0 ||
                                        ProcessStartTime(record.leader).value_or(0) == record.leader_start_time);
    if (!same_process) {
        watches_.erase(record.name);
        // Already gone: collect its status now.
        std::string name = record.name;
        Submit(nullptr, name, [name](Engine& engine) { return Outcome{.record = engine.Reap(name)}; });
        return;
    }
    sd_event_source* source = nullptr;
    int r = sd_event_add_io(event_, &source, watch.pidfd.Get(), EPOLLIN, &Daemon::OnLeaderExit, this);
    if (r < 0) {
        LogWarning("Failed to watch the leader of container " + record.name + ": " + strerror(-r));
        return;
    }
    watch.source.reset(source);
    sd_event_source_set_description(source, record.name.c_str());
    watches_[record.name] = std::move(watch);
}

int Daemon::OnLeaderExit(sd_event_source* source, int, uint32_t, void* userdata) {
    auto* self = static_cast<Daemon*>(userdata);
    const char* description = nullptr;
    sd_event_source_get_description(source, &description);
    std::string name = description ? description : "";
    // One notification is enough; the Reap job decides what the container's state is now.
    sd_event_source_set_enabled(source, SD_EVENT_OFF);
    self->Submit(nullptr, name, [name](Engine& engine) { return Outcome{.record = engine.Reap(name)}; });
    return 0;
}

void Daemon::WatchExec(const std::string& name, pid_t pid, std::shared_ptr<UniqueFd> pidfd) {
    auto watch = std::make_unique<ExecWatch>();
    watch->daemon = this;
    watch->name = name;
    watch->pid = pid;
    watch->pidfd = std::move(pidfd);
    sd_event_source* source = nullptr;
    int r = sd_event_add_io(event_, &source, watch->pidfd->Get(), EPOLLIN, &Daemon::OnExecExit, watch.get());
    if (r < 0) {
        LogWarning("Failed to watch process " + std::to_string(pid) + " in container " + name + ": " + strerror(-r));
        return;
    }
    watch->source.reset(source);
    exec_watches_[pid] = std::move(watch);
}

int Daemon::OnExecExit(sd_event_source* source, int fd, uint32_t, void* userdata) {
    auto* watch = static_cast<ExecWatch*>(userdata);
    siginfo_t info{};
    int r = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info, WEXITED | WNOHANG);
    if ((r < 0 && errno == EINTR) || (r == 0 && info.si_pid == 0))
        return 0;  // not exited yet
    // -1: collected by someone else, status unknown.
    int32_t exit_status = r < 0 ? -1 : info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
    sd_event_source_set_enabled(source, SD_EVENT_OFF);
    Daemon* self = watch->daemon;
    sd_bus_emit_signal(self->bus_, kManagerPath, kManagerInterface, "ExecExited", "sui", watch->name.c_str(),
                       static_cast<uint32_t>(watch->pid), exit_status);
    self->exec_watches_.erase(watch->pid);
    return 0;
}

int Daemon::OnFollowUps(sd_event_source*, int, uint32_t, void* userdata) {
    static_cast<Daemon*>(userdata)->pool_.RunFollowUps();
    return 0;
}

}  // namespace berth::bus
