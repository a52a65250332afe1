#pragma once
// Turning the text of cgroup v1/v2 statistics files into Stats, without touching the kernel.
#include <map>
#include <string>
#include <vector>

#include "cgroup/driver.hpp"

namespace berth::cgroup {

// File contents by file name ("memory.stat" -> its text), read from the container's cgroup dirs.
// Each controller contributes either its v1 or its v2 files; both kinds parse into one Stats.
using StatFiles = std::map<std::string, std::string>;

// The statistics files of a controller, v1 and v2 names ("memory" -> memory.usage_in_bytes, ...).
struct StatFileSet {
    std::string controller;
    std::vector<std::string> v1_files;
    std::vector<std::string> v2_files;
};
const std::vector<StatFileSet>& StatFileSets();

Stats ParseStats(const StatFiles& files);

// "key value" lines (memory.stat, cpu.stat, cpuacct.stat) into a map; other lines ignored.
std::map<std::string, uint64_t> ParseFlatKeyed(const std::string& text);

}  // namespace berth::cgroup
