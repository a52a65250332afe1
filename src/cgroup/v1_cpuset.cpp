#include "cgroup/v1_cpuset.hpp"

#include "cgroup/cgroup_tree.hpp"
#include "cgroup/controller_files.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::cgroup {
namespace {

void WriteCpusetFile(const std::string& dir, const char* file, const std::string& value) {
    try {
        WriteFile(dir + "/" + file, value);
    } catch (const Error& e) {
        ThrowErrno(e.Errno(), "Failed to set " + dir + "/" + file + " to '" + value + "'");
    }
}

}  // namespace

void InheritCpuset(const std::string& dir, bool cpus_configured) {
    std::string parent = dir.substr(0, dir.rfind('/'));
    for (const char* file : {files::kCpusetCpus, files::kCpusetMems}) {
        if (file == std::string(files::kCpusetCpus) && cpus_configured)
            continue;
        std::string mine = TrimRight(ReadFile(dir + "/" + file));
        if (!mine.empty())
            continue;
        std::string value = TrimRight(ReadFile(parent + "/" + file));
        try {
            WriteFile(dir + "/" + file, value);
        } catch (const Error& e) {
            ThrowErrno(e.Errno(), "Failed to copy " + std::string(file) + " '" + value + "' into " + dir);
        }
    }
}

std::string MakeV1Cpuset(const Hierarchy& cpuset, const std::string& cgroup, const std::optional<std::string>& cpus,
                         const std::optional<std::string>& mems) {
    if (cgroup.empty() || cgroup.front() != '/' || cgroup.find("/../") != std::string::npos)
        throw Error("Failed to make a cpuset cgroup at '" + cgroup + "': not an absolute cgroup path", EINVAL);
    std::string dir = cpuset.mount_point;
    for (size_t start = 1; start < cgroup.size();) {
        size_t end = cgroup.find('/', start);
        if (end == std::string::npos)
            end = cgroup.size();
        dir += "/" + cgroup.substr(start, end - start);
        start = end + 1;
        MakeCgroupDir(dir);
        InheritCpuset(dir, end == cgroup.size() && cpus.has_value());
    }
    if (cpus)
        WriteCpusetFile(dir, files::kCpusetCpus, *cpus);
    if (mems)
        WriteCpusetFile(dir, files::kCpusetMems, *mems);
    return dir;
}

}  // namespace berth::cgroup
