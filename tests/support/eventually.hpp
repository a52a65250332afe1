#pragma once
// Waiting for what a process or the kernel makes true in its own time (a cgroup counter, a state
// file). The timeout is a safety limit, never a timing assertion.
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "util/file.hpp"

namespace berth::testing {

// Polls pred until it holds or the timeout passes; its last answer.
inline bool Eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

// A kernel file's content (cgroupfs, procfs) without its trailing newline; throws when unreadable.
inline std::string ReadTrimmed(const std::string& path) { return TrimRight(ReadFile(path)); }

}  // namespace berth::testing
