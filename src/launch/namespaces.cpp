#include "launch/namespaces.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>

#include "util/error.hpp"

namespace berth::launch {

using config::NamespaceKind;

int CloneFlag(NamespaceKind kind) {
    switch (kind) {
        case NamespaceKind::Mount: return CLONE_NEWNS;
        case NamespaceKind::Uts: return CLONE_NEWUTS;
        case NamespaceKind::Ipc: return CLONE_NEWIPC;
        case NamespaceKind::Pid: return CLONE_NEWPID;
        case NamespaceKind::Net: return CLONE_NEWNET;
        case NamespaceKind::User: return CLONE_NEWUSER;
        case NamespaceKind::Cgroup: return CLONE_NEWCGROUP;
    }
    return 0;
}

const char* ProcNsName(NamespaceKind kind) {
    switch (kind) {
        case NamespaceKind::Mount: return "mnt";
        case NamespaceKind::Uts: return "uts";
        case NamespaceKind::Ipc: return "ipc";
        case NamespaceKind::Pid: return "pid";
        case NamespaceKind::Net: return "net";
        case NamespaceKind::User: return "user";
        case NamespaceKind::Cgroup: return "cgroup";
    }
    return "?";
}

bool NamespacePlan::joins(NamespaceKind kind) const {
    for (const auto* list : {&parent_joins, &child_joins})
        for (const JoinedNamespace& ns : *list)
            if (ns.kind == kind)
                return true;
    return false;
}

NamespacePlan PlanNamespaces(const std::vector<config::NamespaceConfig>& namespaces) {
    NamespacePlan plan;
    bool joins_user = false;
    for (const config::NamespaceConfig& ns : namespaces)
        if (ns.kind == NamespaceKind::User && ns.path)
            joins_user = true;
    // Walk in join order so parent_joins/child_joins come out ordered.
    for (NamespaceKind kind : config::kAllNamespaceKinds) {
        const config::NamespaceConfig* found = nullptr;
        for (const config::NamespaceConfig& ns : namespaces)
            if (ns.kind == kind)
                found = &ns;
        if (!found)
            continue;
        if (found->path) {
            if (kind == NamespaceKind::User || kind == NamespaceKind::Mount)
                plan.child_joins.push_back({kind, *found->path});
            else
                plan.parent_joins.push_back({kind, *found->path});
        } else if ((joins_user && kind != NamespaceKind::Pid) || kind == NamespaceKind::Cgroup) {
            // A cgroup namespace is rooted at the cgroup its creator is in: it is made by the child
            // after the parent has placed it in the container's cgroup.
            plan.unshare_flags |= CloneFlag(kind);
        } else {
            if (joins_user)
                throw Error("a new pid namespace cannot be combined with joining a user namespace by path");
            plan.clone_flags |= CloneFlag(kind);
        }
    }
    return plan;
}

UniqueFd OpenNamespace(const JoinedNamespace& ns) {
    std::string what = std::string(config::NamespaceKindName(ns.kind)) + " namespace " + ns.path;
    int fd = ::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        ThrowErrno("open " + what);
    UniqueFd owned(fd);
    int type = ::ioctl(fd, NS_GET_NSTYPE);
    if (type < 0)
        ThrowErrno(EINVAL, "open " + what + ": not a namespace file");
    if (type != CloneFlag(ns.kind))
        ThrowErrno(EINVAL, "open " + what + ": a namespace of another kind");
    return owned;
}

void JoinNamespace(int fd, NamespaceKind kind, const std::string& what) {
    if (::setns(fd, CloneFlag(kind)) < 0)
        ThrowErrno("join " + std::string(config::NamespaceKindName(kind)) + " namespace " + what);
}

ScopedNamespaces::ScopedNamespaces(const std::vector<JoinedNamespace>& joins) {
    std::vector<UniqueFd> targets;
    targets.reserve(joins.size());
    for (const JoinedNamespace& ns : joins)
        targets.push_back(OpenNamespace(ns));
    try {
        for (size_t i = 0; i < joins.size(); ++i) {
            std::string self = std::string("/proc/thread-self/ns/") + ProcNsName(joins[i].kind);
            UniqueFd original = OpenOrThrow(self, O_RDONLY);
            JoinNamespace(targets[i].Get(), joins[i].kind, joins[i].path);
            saved_.push_back({joins[i].kind, std::move(original)});
        }
    } catch (...) {
        // A throwing constructor runs no destructor: go back by hand.
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it)
            ::setns(it->original.Get(), CloneFlag(it->kind));
        throw;
    }
}

ScopedNamespaces ScopedNamespaces::PidOf(int pidfd) {
    ScopedNamespaces scope;
    UniqueFd original = OpenOrThrow("/proc/thread-self/ns/pid", O_RDONLY);
    if (::setns(pidfd, CLONE_NEWPID) < 0)
        ThrowErrno("join the container's pid namespace");
    scope.saved_.push_back({NamespaceKind::Pid, std::move(original)});
    return scope;
}

void ScopedNamespaces::Restore() {
    while (!saved_.empty()) {
        Saved& s = saved_.back();
        if (::setns(s.original.Get(), CloneFlag(s.kind)) < 0)
            ThrowErrno(std::string("return to the original ") + config::NamespaceKindName(s.kind) + " namespace");
        saved_.pop_back();
    }
}

ScopedNamespaces::~ScopedNamespaces() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it)
        ::setns(it->original.Get(), CloneFlag(it->kind));
}

}  // namespace berth::launch
