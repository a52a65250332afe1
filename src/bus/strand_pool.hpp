#pragma once
// Runs slow work (start, stop, checkpoint) off the bus loop: jobs with the same key run one after
// another on a worker thread, jobs with different keys run in parallel, and each job's follow-up
// (reply, signals) runs back on the loop thread, woken through an eventfd.
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "util/fd.hpp"

namespace berth::bus {

class StrandPool {
public:
    // Runs on the loop thread after the job.
    using FollowUp = std::function<void()>;
    // Runs on a worker thread; returns what the loop thread does next.
    using Job = std::function<FollowUp()>;

    StrandPool();
    StrandPool(const StrandPool&) = delete;
    StrandPool& operator=(const StrandPool&) = delete;
    // Waits for every running job (queued ones are dropped); follow-ups are not run.
    ~StrandPool();

    // Queues job behind every earlier job with the same key.
    void Submit(const std::string& key, Job job);
    // Readable when follow-ups are pending: add it to the event loop, then call RunFollowUps.
    int EventFd() const { return event_fd_.Get(); }
    // Runs every pending follow-up on the calling (loop) thread and joins finished workers.
    void RunFollowUps();
    // True while any job is queued or running for key.
    bool Busy(const std::string& key);

private:
    struct Strand {
        std::deque<Job> jobs;
        std::thread worker;
        bool running = false;
    };
    void WorkerLoop(const std::string& key);
    void Post(FollowUp follow_up);

    UniqueFd event_fd_;
    std::mutex mutex_;
    bool stopping_ = false;
    std::map<std::string, Strand> strands_;
    std::deque<FollowUp> follow_ups_;
    std::deque<std::thread> finished_;
};

}  // namespace berth::bus
