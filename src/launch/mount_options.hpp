#pragma once
// Mount options as written in a configuration ("ro", "rbind", "nosuid", "mode=755") turned into
// mount(2) flags, propagation flags and the filesystem's data string. Pure: no system calls.
#include <string>
#include <vector>

namespace berth::launch {

struct MountOptions {
    unsigned long flags = 0;        // MS_RDONLY, MS_NOSUID, MS_BIND, MS_REC, ... (without propagation)
    unsigned long propagation = 0;  // one of MS_PRIVATE, MS_SHARED, MS_SLAVE, MS_UNBINDABLE (+ MS_REC), or 0
    std::string data;               // options the kernel flags do not know, comma separated ("mode=755")

    bool IsBind() const;
    bool IsRecursiveBind() const;
    // A bind mount ignores all flags but MS_BIND|MS_REC on creation: those need a remount.
    bool NeedsBindRemount() const;
};

// The option names ParseMountOptions turns into flags or propagation (others pass on as data).
std::vector<std::string> KnownMountOptionNames();

// Parses the options of one mount. A mount of type "bind" is a bind mount even without "bind".
MountOptions ParseMountOptions(const std::vector<std::string>& options, const std::string& type = "");

}  // namespace berth::launch
