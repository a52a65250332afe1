#include "launch/idmap.hpp"

#include <unistd.h>

#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::launch {

std::string FormatIdMap(const std::vector<config::IdMapping>& mappings) {
    std::string out;
    for (const config::IdMapping& m : mappings)
        out += std::to_string(m.container_id) + ' ' + std::to_string(m.host_id) + ' ' + std::to_string(m.size) + '\n';
    return out;
}

bool IsMapped(const std::vector<config::IdMapping>& mappings, uint32_t id) {
    for (const config::IdMapping& m : mappings)
        if (id >= m.container_id && id - m.container_id < m.size)
            return true;
    return false;
}

bool WriteIdMaps(pid_t pid, const std::vector<config::IdMapping>& uid_mappings,
                 const std::vector<config::IdMapping>& gid_mappings) {
    std::string proc = "/proc/" + std::to_string(pid);
    bool deny_setgroups = ::geteuid() != 0;
    if (deny_setgroups)
        WriteFile(proc + "/setgroups", "deny");
    if (!uid_mappings.empty())
        WriteFile(proc + "/uid_map", FormatIdMap(uid_mappings));
    if (!gid_mappings.empty())
        WriteFile(proc + "/gid_map", FormatIdMap(gid_mappings));
    return deny_setgroups;
}

}  // namespace berth::launch
