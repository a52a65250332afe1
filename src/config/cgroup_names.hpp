#pragma once
// The spellings of cgroup values the configuration names (in TOML and in OCI's config.json),
// checked where they are read so that a bad one is an error naming its key, not a failed write.
#include <string_view>

namespace berth::config {

// "0-3,5,7-8": CPU (or memory node) numbers and ascending ranges, as cpuset.cpus and cpuset.mems take them.
bool IsCpuList(std::string_view text);
// "2MB", "1GB", "64KB": a page size as the kernel names it in hugetlb.<size>.* (a number and KB, MB or GB).
bool IsHugepageSize(std::string_view size);
// "memory.high", "cgroup.max.descendants": a cgroup v2 file name, controller.file, of letters,
// digits, '.', '_' and '-' (no '/', nothing a file name in a cgroup directory has not).
bool IsUnifiedFileName(std::string_view name);

}  // namespace berth::config
