#include "cgroup/cgroup_layout.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <sstream>

#include "util/file.hpp"
#include "util/log.hpp"

namespace berth::cgroup {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string UnescapeMountField(const std::string& field) {
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const std::string digits = field.substr(i + 1, 3);
            if (digits.size() == 3 && std::all_of(digits.begin(), digits.end(),
                                                   [](char c) { return c >= '0' && c <= '7'; })) {
                out.push_back(static_cast<char>(std::stoi(digits, nullptr, 8)));
                i += 3;
                continue;
            }
        }
        out.push_back(field[i]);
    }
    return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(s);
    while (std::getline(in, part, sep))
        parts.push_back(part);
    return parts;
}

// Mount options that are not controller names in a v1 cgroup mount's super options.
bool IsGenericCgroupOption(const std::string& option) {
    static const char* const kGeneric[] = {"rw", "ro", "noprefix", "clone_children", "xattr", "cpuset_v2_mode",
                                           "favordynmods", "nsdelegate", "memory_recursiveprot",
                                           "memory_localevents", "memory_hugetlb_accounting",
                                           "pids_localevents"};
    if (std::find(std::begin(kGeneric), std::end(kGeneric), option) != std::end(kGeneric))
        return true;
    return option.find('=') != std::string::npos;  // release_agent=..., name=... handled apart
}

bool UnderSysFsCgroup(const std::string& mount_point) {
    return mount_point == "/sys/fs/cgroup" || mount_point.rfind("/sys/fs/cgroup/", 0) == 0;
}

}  // namespace

bool Hierarchy::HasController(const std::string& controller) const {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

const Hierarchy* Layout::V1ForController(const std::string& controller) const {
    for (const Hierarchy& h : hierarchies)
        if (!h.unified && h.HasController(controller))
            return &h;
    return nullptr;
}

const Hierarchy* Layout::ForController(const std::string& controller) const {
    if (const Hierarchy* h = V1ForController(controller))
        return h;
    const Hierarchy* unified = Unified();
    if (unified != nullptr && unified->HasController(controller))
        return unified;
    return nullptr;
}

const Hierarchy* Layout::Unified() const {
    for (const Hierarchy& h : hierarchies)
        if (h.unified)
            return &h;
    return nullptr;
}

const Hierarchy* Layout::ForKey(const std::string& key) const {
    for (const Hierarchy& h : hierarchies)
        if (h.key == key)
            return &h;
    return nullptr;
}

const char* LayoutKindName(LayoutKind kind) {
    switch (kind) {
    case LayoutKind::None: return "none";
    case LayoutKind::V1: return "v1";
    case LayoutKind::V2: return "v2";
    case LayoutKind::Hybrid: return "hybrid";
    }
    return "unknown";
}

Layout ParseMountinfo(const std::string& mountinfo) {
    Layout layout;
    std::istringstream lines(mountinfo);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::vector<std::string> f;
        std::string word;
        while (fields >> word)
            f.push_back(word);
        // id parent dev root mount_point options [optional...] - fstype source super_options
        auto dash = std::find(f.begin(), f.end(), "-");
        if (f.size() < 6 || dash == f.end() || std::distance(dash, f.end()) < 3)
            continue;
        const std::string& fstype = *(dash + 1);
        const std::string& super_options = *(dash + 3);
        if (fstype != "cgroup" && fstype != "cgroup2")
            continue;
        // Only the system's hierarchies: other tools' short-lived mounts (CRIU's .criu.cgyard) vanish under us.
        if (!UnderSysFsCgroup(UnescapeMountField(f[4])))
            continue;

        Hierarchy h;
        h.root = UnescapeMountField(f[3]);
        h.mount_point = UnescapeMountField(f[4]);
        h.unified = fstype == "cgroup2";
        if (h.unified) {
            h.key = kUnifiedKey;
        } else {
            std::vector<std::string> keys;
            for (const std::string& option : Split(super_options, ',')) {
                if (option.rfind("name=", 0) == 0) {
                    h.name = option.substr(5);
                    keys.push_back(option);
                } else if (!IsGenericCgroupOption(option)) {
                    h.controllers.push_back(option);
                    keys.push_back(option);
                }
            }
            if (keys.empty())
                continue;
            for (const std::string& k : keys)
                h.key += (h.key.empty() ? "" : ",") + k;
        }

        auto existing = std::find_if(layout.hierarchies.begin(), layout.hierarchies.end(),
                                     [&](const Hierarchy& other) { return other.key == h.key; });
        if (existing == layout.hierarchies.end())
            layout.hierarchies.push_back(std::move(h));
    }

    bool has_v1 = std::any_of(layout.hierarchies.begin(), layout.hierarchies.end(),
                              [](const Hierarchy& h) { return !h.unified; });
    bool has_v2 = layout.Unified() != nullptr;
    layout.kind = has_v1 && has_v2 ? LayoutKind::Hybrid
                  : has_v1         ? LayoutKind::V1
                  : has_v2         ? LayoutKind::V2
                                   : LayoutKind::None;
    return layout;
}

std::vector<std::string> ParseControllerList(const std::string& text) {
    std::vector<std::string> controllers;
    std::istringstream in(text);
    std::string word;
    while (in >> word)
        controllers.push_back(word);
    return controllers;
}

namespace {
std::mutex detected_mutex;
std::optional<Layout> detected;
}  // namespace

void ForgetDetectedLayout() {
    std::lock_guard lock(detected_mutex);
    detected.reset();
}

Layout DetectLayout() {
    std::lock_guard lock(detected_mutex);
    if (detected)
        return *detected;
    Layout layout = ParseMountinfo(ReadFile("/proc/self/mountinfo"));
    for (Hierarchy& h : layout.hierarchies) {
        // In a hybrid layout the cgroup2 hierarchy tracks processes only, as systemd uses it: a
        // controller that no v1 hierarchy binds shows up in its cgroup.controllers, but enabling
        // it there would change the root cgroup of the host (crun then refuses the host as
        // "cgroups in hybrid mode").
        if (!h.unified || layout.kind == LayoutKind::Hybrid)
            continue;
        if (auto text = ReadFileIfExists(h.mount_point + "/cgroup.controllers"))
            h.controllers = ParseControllerList(*text);
    }
    LogDebug(std::string("cgroup layout: ") + LayoutKindName(layout.kind));
    detected = layout;
    return layout;
}

}  // namespace berth::cgroup
