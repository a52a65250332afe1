// berthd's StrandPool: one container's calls run in order, different containers' in parallel, and
// follow-ups run on the thread that calls RunFollowUps (the bus loop).
#include <poll.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bus/strand_pool.hpp"

namespace berth::bus {
namespace {

using namespace std::chrono_literals;

// Runs follow-ups until done() or the safety deadline (which only guards against a hang).
template <typename Done>
void Pump(StrandPool& pool, Done done) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        struct pollfd fd = {pool.EventFd(), POLLIN, 0};
        if (poll(&fd, 1, 100) > 0)
            pool.RunFollowUps();
    }
}

TEST(BusStrandPool, SameKeyRunsInOrderOneAtATime) {
    StrandPool pool;
    std::mutex mutex;
    std::vector<int> order;
    std::atomic<int> running{0}, max_running{0};
    int done = 0;
    for (int i = 0; i < 20; ++i)
        pool.Submit("web", [&, i]() -> StrandPool::FollowUp {
            int now = ++running;
            max_running = std::max(max_running.load(), now);
            std::this_thread::sleep_for(1ms);
            {
                std::lock_guard lock(mutex);
                order.push_back(i);
            }
            --running;
            return [&done] { ++done; };
        });
    Pump(pool, [&] { return done == 20; });
    ASSERT_EQ(done, 20);
    EXPECT_EQ(max_running.load(), 1);
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(order[static_cast<size_t>(i)], i);
}

TEST(BusStrandPool, DifferentKeysDoNotWaitForEachOther) {
    StrandPool pool;
    std::atomic<bool> release{false};
    std::atomic<bool> other_ran{false};
    int done = 0;
    // A "hung" operation on one container...
    pool.Submit("hung", [&]() -> StrandPool::FollowUp {
        while (!release)
            std::this_thread::sleep_for(1ms);
        return [&done] { ++done; };
    });
    // ...does not keep another container's call from completing.
    pool.Submit("other", [&]() -> StrandPool::FollowUp {
        other_ran = true;
        return [&done] { ++done; };
    });
    Pump(pool, [&] { return done == 1; });
    EXPECT_TRUE(other_ran);
    EXPECT_EQ(done, 1);
    EXPECT_TRUE(pool.Busy("hung"));
    release = true;
    Pump(pool, [&] { return done == 2; });
    EXPECT_EQ(done, 2);
}

TEST(BusStrandPool, FollowUpsRunOnTheLoopThread) {
    StrandPool pool;
    std::thread::id job_thread, follow_up_thread;
    bool done = false;
    pool.Submit("x", [&]() -> StrandPool::FollowUp {
        job_thread = std::this_thread::get_id();
        return [&] {
            follow_up_thread = std::this_thread::get_id();
            done = true;
        };
    });
    Pump(pool, [&] { return done; });
    ASSERT_TRUE(done);
    EXPECT_NE(job_thread, std::this_thread::get_id());
    EXPECT_EQ(follow_up_thread, std::this_thread::get_id());
}

TEST(BusStrandPool, AThrowingJobDoesNotStopItsStrand) {
    StrandPool pool;
    bool second = false;
    pool.Submit("x", []() -> StrandPool::FollowUp { throw std::runtime_error("boom"); });
    pool.Submit("x", [&]() -> StrandPool::FollowUp { return [&] { second = true; }; });
    Pump(pool, [&] { return second; });
    EXPECT_TRUE(second);
}

}  // namespace
}  // namespace berth::bus
