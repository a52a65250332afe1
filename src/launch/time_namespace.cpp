#include "launch/time_namespace.hpp"

#include <sched.h>
#include <time.h>

#include <string>

#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::launch {

void CreateTimeNamespace(const config::TimeNamespace& time) {
    if (::unshare(CLONE_NEWTIME) < 0)
        ThrowErrno("create the time namespace");
    // "<clock id> <seconds> <nanoseconds>" per clock, all in one write.
    const std::string offsets = std::to_string(CLOCK_MONOTONIC) + " " + std::to_string(time.monotonic_offset) +
                                " 0\n" + std::to_string(CLOCK_BOOTTIME) + " " + std::to_string(time.boot_offset) +
                                " 0\n";
    try {
        WriteFile("/proc/self/timens_offsets", offsets);
    } catch (const Error& e) {
        ThrowErrno(e.Errno(), "write the time namespace's offsets (/proc/self/timens_offsets)");
    }
}

}  // namespace berth::launch
