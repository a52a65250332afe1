#include "bus/strand_pool.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "util/error.hpp"
#include "util/log.hpp"

namespace berth::bus {

StrandPool::StrandPool() : event_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!event_fd_)
        ThrowErrno("Failed to create eventfd for worker completions");
}

StrandPool::~StrandPool() {
    std::deque<std::thread> workers;
    {
        std::unique_lock lock(mutex_);
        stopping_ = true;
        for (auto& [key, strand] : strands_) {
            strand.jobs.clear();
            if (strand.worker.joinable())
                workers.push_back(std::move(strand.worker));
        }
        for (auto& t : finished_)
            workers.push_back(std::move(t));
        finished_.clear();
    }
    for (auto& t : workers)
        t.join();
}

void StrandPool::Submit(const std::string& key, Job job) {
    std::unique_lock lock(mutex_);
    Strand& strand = strands_[key];
    strand.jobs.push_back(std::move(job));
    if (strand.running)
        return;
    strand.running = true;
    // A strand's previous worker may still be finishing (it posted, then returned): park it for joining.
    if (strand.worker.joinable())
        finished_.push_back(std::move(strand.worker));
    strand.worker = std::thread([this, key] { WorkerLoop(key); });
}

void StrandPool::WorkerLoop(const std::string& key) {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            Strand& strand = strands_[key];
            if (strand.jobs.empty() || stopping_) {
                strand.running = false;
                // The worker cannot join itself: the loop thread joins it in RunFollowUps.
                Post(nullptr);
                return;
            }
            job = std::move(strand.jobs.front());
            strand.jobs.pop_front();
        }
        FollowUp follow_up;
        try {
            follow_up = job();
        } catch (const std::exception& e) {
            // Jobs catch their own errors to reply; this only guards the worker thread.
            LogWarning(std::string("Worker job for ") + key + " failed unexpectedly: " + e.what());
        }
        std::unique_lock lock(mutex_);
        Post(std::move(follow_up));
    }
}

// Called with mutex_ held.
void StrandPool::Post(FollowUp follow_up) {
    if (follow_up)
        follow_ups_.push_back(std::move(follow_up));
    uint64_t one = 1;
    // An eventfd write only fails on counter overflow; the reader drains it, so ignore.
    [[maybe_unused]] ssize_t n = write(event_fd_.Get(), &one, sizeof one);
}

void StrandPool::RunFollowUps() {
    uint64_t count;
    [[maybe_unused]] ssize_t n = read(event_fd_.Get(), &count, sizeof count);
    std::deque<FollowUp> ready;
    std::deque<std::thread> to_join;
    {
        std::unique_lock lock(mutex_);
        ready.swap(follow_ups_);
        for (auto it = strands_.begin(); it != strands_.end();) {
            Strand& strand = it->second;
            if (!strand.running && strand.jobs.empty()) {
                if (strand.worker.joinable())
                    to_join.push_back(std::move(strand.worker));
                it = strands_.erase(it);
            } else {
                ++it;
            }
        }
        to_join.insert(to_join.end(), std::make_move_iterator(finished_.begin()),
                       std::make_move_iterator(finished_.end()));
        finished_.clear();
    }
    for (auto& t : to_join)
        t.join();
    for (auto& f : ready)
        f();
}

bool StrandPool::Busy(const std::string& key) {
    std::unique_lock lock(mutex_);
    auto it = strands_.find(key);
    return it != strands_.end() && (it->second.running || !it->second.jobs.empty());
}

}  // namespace berth::bus
