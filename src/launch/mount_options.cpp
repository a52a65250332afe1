#include "launch/mount_options.hpp"

#include <sys/mount.h>

#include <string_view>

namespace berth::launch {
namespace {

struct FlagOption {
    std::string_view name;
    bool clear;  // "rw", "suid", ...: turns a flag off instead of on
    unsigned long flag;
};

constexpr FlagOption kFlagOptions[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},          {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},      {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},        {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},      {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},   {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},      {"nomand", true, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME}, {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},  {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME},  {"nolazytime", true, MS_LAZYTIME},
    {"silent", false, MS_SILENT},      {"loud", true, MS_SILENT},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
};

struct PropagationOption {
    std::string_view name;
    unsigned long flags;
};

constexpr PropagationOption kPropagationOptions[] = {
    {"private", MS_PRIVATE},        {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},          {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},            {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},  {"runbindable", MS_UNBINDABLE | MS_REC},
};

}  // namespace

bool MountOptions::IsBind() const { return (flags & MS_BIND) != 0; }

bool MountOptions::IsRecursiveBind() const { return IsBind() && (flags & MS_REC) != 0; }

bool MountOptions::NeedsBindRemount() const {
    return IsBind() && (flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
}

std::vector<std::string> KnownMountOptionNames() {
    std::vector<std::string> names;
    for (const FlagOption& f : kFlagOptions)
        names.emplace_back(f.name);
    for (const PropagationOption& p : kPropagationOptions)
        names.emplace_back(p.name);
    return names;
}

MountOptions ParseMountOptions(const std::vector<std::string>& options, const std::string& type) {
    MountOptions out;
    if (type == "bind")
        out.flags |= MS_BIND;
    for (const std::string& option : options) {
        bool known = false;
        for (const FlagOption& f : kFlagOptions) {
            if (option == f.name) {
                if (f.clear)
                    out.flags &= ~f.flag;
                else
                    out.flags |= f.flag;
                known = true;
                break;
            }
        }
        if (known)
            continue;
        for (const PropagationOption& p : kPropagationOptions) {
            if (option == p.name) {
                out.propagation = p.flags;
                known = true;
                break;
            }
        }
        if (known)
            continue;
        if (!out.data.empty())
            out.data += ',';
        out.data += option;
    }
    return out;
}

}  // namespace berth::launch
