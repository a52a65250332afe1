#pragma once
// berthd's core: the model the bus objects read (one ContainerRecord per container), the strands
// slow operations run on, leader watches (pidfd in the event loop), and the signals that announce
// every change. Everything here runs on the loop thread, except Engine calls.
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/engine.hpp"
#include "util/sd_bus.hpp"
#include "bus/strand_pool.hpp"
#include "bus/wire.hpp"

namespace berth::bus {

// What an operation did, carried back to the loop thread.
struct Outcome {
    enum class Reply { Empty, ObjectPath, Pid, Custom };
    Reply reply = Reply::Empty;
    std::optional<ContainerRecord> record;  // the container's new state
    bool removed = false;
    pid_t pid = 0;  // with Reply::Pid
    // A process ExecContainer started: watched until it exits, then ExecExited is emitted.
    std::shared_ptr<UniqueFd> exec_pidfd;
    // With Reply::Custom: appends the reply's arguments (on the loop thread); returns < 0 on failure.
    std::function<int(sd_bus_message*)> append;
};

class Daemon {
public:
    using Operation = std::function<Outcome(Engine&)>;

    Daemon(std::unique_ptr<Engine> engine, sd_event* event, sd_bus* bus);
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;
    ~Daemon();

    // Re-adopts every container of the state directory (a corrupt one is logged and skipped), then
    // exports the objects. Call before requesting the bus name.
    void Export();
    // Follows state_dir (inotify; made if missing) from now on: a container whose state.toml is
    // rewritten beside berthd (its monitor recording the exit, berthctl standalone) is read again,
    // one that appears or goes is announced, so the bus never disagrees with the state. Call
    // before Export, so that nothing written between the two is missed.
    void FollowStateDir(const std::string& state_dir);

    sd_bus* Bus() const { return bus_; }
    const std::map<std::string, ContainerRecord>& Records() const { return records_; }
    const ContainerRecord* Find(const std::string& name) const;

    // Runs op on the container's strand (after earlier calls for it) and replies to call, which
    // may be null for internal work, from the loop thread.
    void Submit(sd_bus_message* call, const std::string& name, Operation op);
    // Re-reads the state directory (containers made by other berthctl processes appear, removed
    // ones go), then replies to a ListContainers call.
    void SubmitList(sd_bus_message* call);
    // Replies to call (WaitContainer, Container.Wait) with the container's exit status (i) once it
    // has stopped with one recorded, at once if it has; with NoSuchContainer if it is removed first.
    void Wait(sd_bus_message* call, const std::string& name);

private:
    void Apply(const std::string& name, Outcome& outcome);
    void Upsert(const ContainerRecord& record);
    void Forget(const std::string& name);
    // Answers the Wait calls on the container that its record now settles.
    void AnswerWaiters(const std::string& name);
    void WatchLeader(const ContainerRecord& record);
    static int OnLeaderExit(sd_event_source* source, int fd, uint32_t revents, void* userdata);
    void WatchExec(const std::string& name, pid_t pid, std::shared_ptr<UniqueFd> pidfd);
    static int OnExecExit(sd_event_source* source, int fd, uint32_t revents, void* userdata);
    static int OnFollowUps(sd_event_source* source, int fd, uint32_t revents, void* userdata);
    static int OnStateDirEvents(sd_event_source* source, int fd, uint32_t revents, void* userdata);
    void FollowContainerDir(const std::string& name);
    // Reads the container's state again on its strand (after any operation in flight).
    void Refresh(const std::string& name);

    struct LeaderWatch {
        pid_t pid = 0;
        UniqueFd pidfd;
        EventSourcePtr source;
    };

    std::unique_ptr<Engine> engine_;
    sd_event* event_;
    sd_bus* bus_;
    StrandPool pool_;
    EventSourcePtr follow_up_source_;
    std::vector<SlotPtr> slots_;
    std::map<std::string, ContainerRecord> records_;
    std::map<std::string, LeaderWatch> watches_;
    std::map<std::string, std::vector<MessagePtr>> waiters_;  // Wait calls not yet answered
    struct ExecWatch {
        Daemon* daemon = nullptr;
        std::string name;
        pid_t pid = 0;
        std::shared_ptr<UniqueFd> pidfd;
        EventSourcePtr source;
    };
    std::map<pid_t, std::unique_ptr<ExecWatch>> exec_watches_;
    std::string state_dir_;
    UniqueFd inotify_;
    EventSourcePtr inotify_source_;
    int root_watch_ = -1;
    std::map<int, std::string> dir_watches_;  // inotify watch -> the container whose directory it is
};

// Registers org.berth1.Manager at /org/berth1 (manager_object.cpp).
void AddManagerObject(Daemon& daemon, std::vector<SlotPtr>& slots);
// Registers org.berth1.Container under /org/berth1/container (container_object.cpp).
void AddContainerObjects(Daemon& daemon, std::vector<SlotPtr>& slots);
// Emits PropertiesChanged for the properties that differ between two records.
void EmitContainerChanges(sd_bus* bus, const ContainerRecord& before, const ContainerRecord& after);

}  // namespace berth::bus
