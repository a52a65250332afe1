// Writing resource files into a placement's cgroup directories and checking they took.
#include <unistd.h>

#include "cgroup/placement_files.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace berth::cgroup {
namespace {

const std::string* PathFor(const Placement& placement, const std::string& key) {
    auto it = placement.paths.find(key);
    return it == placement.paths.end() ? nullptr : &it->second;
}

void Resolve(const Placement& placement, const Hierarchy& h, const FileWrite& w, std::vector<ResolvedWrite>& out) {
    if (const std::string* dir = PathFor(placement, h.key)) {
        out.push_back({*dir, w});
        return;
    }
    if (w.only_if_present) {
        LogDebug("no " + h.key + " cgroup in this placement: " + w.file + " not written");
        return;
    }
    throw Error("Failed to set " + w.file + ": the container has no cgroup in the " + h.key + " hierarchy");
}

void WriteOne(const ResolvedWrite& rw) {
    std::string path = rw.dir + "/" + rw.write.file;
    try {
        WriteFile(path, rw.write.value);
    } catch (const Error& e) {
        ThrowErrno(e.Errno(), "Failed to set " + path + " to " + rw.write.value);
    }
}

}  // namespace

std::vector<ResolvedWrite> ResolveWrites(const Layout& layout, const Placement& placement,
                                         const config::Resources& resources) {
    std::vector<ResolvedWrite> out;
    for (const FileWrite& w : ResourcesToV1Writes(resources))
        if (const Hierarchy* h = layout.V1ForController(w.controller))
            Resolve(placement, *h, w, out);
    const Hierarchy* unified = layout.Unified();
    for (const FileWrite& w : ResourcesToV2Writes(resources)) {
        if (layout.V1ForController(w.controller) != nullptr)
            continue;  // written as its v1 file above
        if (unified != nullptr && unified->HasController(w.controller)) {
            Resolve(placement, *unified, w, out);
        } else if (w.only_if_present) {
            LogDebug("no " + w.controller + " controller: " + w.file + " not written");
        } else {
            throw Error("Failed to set " + w.file + ": the " + w.controller + " controller is not available");
        }
    }
    return out;
}

void ApplyWrites(const std::vector<ResolvedWrite>& writes) {
    std::vector<const ResolvedWrite*> refused;
    for (const ResolvedWrite& rw : writes) {
        if (rw.write.only_if_present && !PathExists(rw.dir + "/" + rw.write.file)) {
            LogDebug(rw.dir + "/" + rw.write.file + " is not offered by the kernel: not written");
            continue;
        }
        try {
            WriteOne(rw);
        } catch (const Error& e) {
            if (e.Errno() != EINVAL && e.Errno() != EBUSY)
                throw;
            LogDebug(std::string(e.what()) + " (retrying after the other limits)");
            refused.push_back(&rw);
        }
    }
    for (const ResolvedWrite* rw : refused)
        WriteOne(*rw);
}

void VerifyWrites(const std::vector<ResolvedWrite>& writes) {
    const uint64_t page_size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    for (const ResolvedWrite& rw : writes) {
        std::string path = rw.dir + "/" + rw.write.file;
        std::optional<std::string> now = ReadFileIfExists(path);
        if (!now) {
            if (rw.write.only_if_present)
                continue;
            throw Error("Failed to verify " + path + ": the file does not exist");
        }
        if (!WriteTookEffect(rw.write, *now, page_size))
            throw Error("Failed to verify " + path + ": expected " + rw.write.value + ", the kernel shows " +
                        TrimRight(*now));
    }
}

}  // namespace berth::cgroup
