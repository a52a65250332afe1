#pragma once
// Which namespaces a container creates (clone flags) and which it joins by path, and how.
#include <string>
#include <vector>

#include "config/model.hpp"
#include "util/fd.hpp"

namespace berth::launch {

// The CLONE_NEW* flag of a namespace kind.
int CloneFlag(config::NamespaceKind kind);
// The /proc/PID/ns/<name> entry of a kind ("mnt", "uts", "ipc", "pid", "net", "user", "cgroup").
const char* ProcNsName(config::NamespaceKind kind);

struct JoinedNamespace {
    config::NamespaceKind kind;
    std::string path;
};

// How the namespaces of a configuration are set up.
//  - Namespaces joined by path other than user and mount are entered by the launching thread
//    around clone(), so the child is born in them: no setns in the child, no extra fork for a pid
//    namespace, and a new user namespace may still share a host-owned network namespace.
//  - A joined user namespace (and a joined mount namespace) is entered by the child itself; the
//    namespaces to create are then made with unshare() after it, so the user namespace owns them.
struct NamespacePlan {
    int clone_flags = 0;    // CLONE_NEW* given to clone()
    int unshare_flags = 0;  // CLONE_NEW* the child creates after joining a user namespace
    std::vector<JoinedNamespace> parent_joins;  // entered around clone(), in join order
    std::vector<JoinedNamespace> child_joins;   // user first, then mount
    bool creates(config::NamespaceKind kind) const { return ((clone_flags | unshare_flags) & CloneFlag(kind)) != 0; }
    bool joins(config::NamespaceKind kind) const;
};

// Computes the plan; throws Error for combinations that cannot work (a new pid namespace while
// joining a user namespace by path: the pid namespace would belong to the host's user namespace).
NamespacePlan PlanNamespaces(const std::vector<config::NamespaceConfig>& namespaces);

// Opens a namespace file given by path, checking it is a namespace of the expected kind.
UniqueFd OpenNamespace(const JoinedNamespace& ns);

// setns(2) with an Error naming the namespace on failure.
void JoinNamespace(int fd, config::NamespaceKind kind, const std::string& what);

// Enters namespaces for the duration of a scope (the calling thread only) and returns to the
// original ones on destruction. Used by the launching thread around clone().
class ScopedNamespaces {
public:
    explicit ScopedNamespaces(const std::vector<JoinedNamespace>& joins);
    // Enters the pid namespace of a process (pidfd) for its future children only.
    static ScopedNamespaces PidOf(int pidfd);
    ScopedNamespaces(ScopedNamespaces&&) = default;
    ScopedNamespaces& operator=(ScopedNamespaces&&) = delete;
    ~ScopedNamespaces();
    // Returns to the original namespaces now; throws if that fails.
    void Restore();

private:
    ScopedNamespaces() = default;
    struct Saved {
        config::NamespaceKind kind;
        UniqueFd original;
    };
    std::vector<Saved> saved_;
};

}  // namespace berth::launch
