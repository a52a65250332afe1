// Reading a placement's statistics files into Stats: each controller from its v1 or v2 dir.
#include "cgroup/cgroup_tree.hpp"
#include "cgroup/controller_files.hpp"
#include "cgroup/placement_files.hpp"
#include "cgroup/stats.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::cgroup {
namespace {

void ReadInto(const std::string& dir, const std::vector<std::string>& names, StatFiles& files) {
    for (const std::string& name : names) {
        if (files.count(name) != 0)
            continue;
        try {
            if (std::optional<std::string> text = ReadCgroupFileIfPresent(dir + "/" + name))
                files[name] = *text;
        } catch (const Error& e) {
            if (e.Errno() != EOPNOTSUPP)
                throw;
        }
    }
}

}  // namespace

Stats ReadStatsViaFiles(const Layout& layout, const Placement& placement) {
    StatFiles files;
    auto unified_dir = placement.paths.find(kUnifiedKey);
    for (const StatFileSet& set : StatFileSets()) {
        if (const Hierarchy* h = layout.V1ForController(set.controller)) {
            auto dir = placement.paths.find(h->key);
            if (dir != placement.paths.end())
                ReadInto(dir->second, set.v1_files, files);
        } else if (unified_dir != placement.paths.end()) {
            // cgroup2's cpu.stat usage fields exist even without the cpu controller enabled.
            ReadInto(unified_dir->second, set.v2_files, files);
        }
    }
    // systemd on v1 skips cpuacct when it is not co-mounted with cpu: take the CPU time from
    // cgroup2's cpu.stat, whose usage fields exist without any controller.
    bool have_cpu_time = files.count(files::kCpuacctUsage) != 0 ||
                         files[files::kCpuStat].find("usage_usec") != std::string::npos;
    if (!have_cpu_time && unified_dir != placement.paths.end())
        if (std::optional<std::string> text = ReadCgroupFileIfPresent(unified_dir->second + "/" + files::kCpuStat))
            files[files::kCpuStat] += "\n" + *text;
    return ParseStats(files);
}

}  // namespace berth::cgroup
