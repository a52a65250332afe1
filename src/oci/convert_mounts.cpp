// mounts: onto config.mounts, except the system mounts the launcher makes itself (/proc, /dev,
// /dev/pts, /dev/mqueue, /sys, /dev/shm as tmpfs) with the same file systems.
#include <algorithm>

#include "oci/json_reader.hpp"
#include "oci/spec.hpp"

namespace berth::oci {
namespace {

bool IsBindMount(const std::string& type, const std::vector<std::string>& options) {
    if (type == "bind")
        return true;
    return type.empty() && (std::find(options.begin(), options.end(), "bind") != options.end() ||
                            std::find(options.begin(), options.end(), "rbind") != options.end());
}

// The launcher builds these itself (Berth's /dev also holds the config's devices).
bool MadeByLauncher(const config::MountConfig& m) {
    static const std::pair<const char*, const char*> kSystemMounts[] = {
        {"/proc", "proc"},      {"/dev", "tmpfs"},     {"/dev/pts", "devpts"},
        {"/dev/shm", "tmpfs"},  {"/dev/mqueue", "mqueue"}, {"/sys", "sysfs"},
    };
    for (const auto& [destination, type] : kSystemMounts)
        if (m.destination == destination && m.type == type)
            return true;
    return false;
}

std::string Normalized(std::string path) {
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    return path;
}

}  // namespace

void ConvertMounts(const Json& spec, config::ContainerConfig& config) {
    const Json* list = OptArray(spec, "mounts", "");
    if (!list)
        return;
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string path = IndexPath("mounts", i);
        const Json& item = AsObject((*list)[i], path);
        config::MountConfig m;
        std::optional<std::string> destination = OptString(item, "destination", path);
        if (!destination || destination->empty() || (*destination)[0] != '/')
            Invalid(MemberPath(path, "destination"), "expected an absolute path");
        m.destination = Normalized(*destination);
        m.source = OptString(item, "source", path).value_or("");
        m.type = OptString(item, "type", path).value_or("");
        m.options = StringArray(item, "options", path);
        if (Member(item, "uidMappings") || Member(item, "gidMappings"))
            Unsupported(MemberPath(path, "uidMappings"), "Berth makes no id-mapped mounts");
        if (IsBindMount(m.type, m.options)) {
            m.type = "bind";
            if (m.source.empty() || m.source[0] != '/')
                Invalid(MemberPath(path, "source"), "a bind mount needs an absolute source");
        } else if (m.type.empty()) {
            Invalid(MemberPath(path, "type"), "missing (and no bind or rbind option)");
        }
        if (MadeByLauncher(m))
            continue;
        config.mounts.push_back(std::move(m));
    }
}

}  // namespace berth::oci
