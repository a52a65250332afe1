#pragma once
// A forked child for cgroup tests: spins on a counter in shared memory (to see freezing) and
// allocates fresh memory on request (to see it charged to its new cgroup).
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <new>

#include "config/defaults.hpp"
#include "config/model.hpp"
#include "util/error.hpp"

namespace berth::cgroup {

// A forked child spinning on a shared counter; killed and reaped on destruction.
class SpinningChild {
public:
    SpinningChild() {
        void* mem = ::mmap(nullptr, kShared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED)
            ThrowErrno("mmap");
        counter_ = new (mem) std::atomic<uint64_t>(0);
        allocate_ = new (counter_ + 1) std::atomic<uint64_t>(0);
        pid_ = ::fork();
        if (pid_ < 0)
            ThrowErrno("fork");
        if (pid_ == 0) {
            for (;;) {
                counter_->fetch_add(1, std::memory_order_relaxed);
                if (allocate_->load(std::memory_order_relaxed) != 0) {
                    // Fresh pages are charged to the cgroup the child is in now.
                    size_t size = allocate_->exchange(0);
                    void* block = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                    if (block != MAP_FAILED)
                        std::memset(block, 1, size);
                }
            }
        }
    }
    ~SpinningChild() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            Reap();
        }
        ::munmap(counter_, kShared);
    }
    pid_t Pid() const { return pid_; }
    uint64_t Count() const { return counter_->load(); }
    // Asks the child to allocate and touch `bytes` of new memory.
    void Allocate(uint64_t bytes) { allocate_->store(bytes); }
    // Waits for the child to end; returns its wait status.
    int Reap() {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        return status;
    }

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    static constexpr size_t kShared = 4096;
    std::atomic<uint64_t>* counter_ = nullptr;
    std::atomic<uint64_t>* allocate_ = nullptr;
};

// The limits both driver tests create a cgroup with.
inline config::Resources TestLimits() {
    config::Resources r;
    r.memory_max = config::ByteSize{64 * 1024 * 1024};
    r.tasks_max = 16;
    r.cpu_quota = config::CpuQuota{50};
    r.cpu_weight = 200;
    r.devices = config::DefaultDeviceRules();
    return r;
}

}  // namespace berth::cgroup
