#pragma once
// Rootless containers: an unprivileged user's container gets a user namespace mapped from the
// user's subordinate ids (/etc/subuid, /etc/subgid, as shadow's newuidmap/newgidmap allow them),
// and what cannot work without root is refused before anything is created.
#include <sys/types.h>

#include <string>
#include <vector>

#include "config/model.hpp"
#include "launch/namespaces.hpp"

namespace berth::launch {

// The calling process has no privilege beyond its own uid (not root): its containers are rootless.
bool IsRootless();

// A user's ranges in a subid file ("NAME:START:COUNT" or "UID:START:COUNT" lines), in file order;
// empty when the file or the user's lines are missing.
struct SubordinateRange {
    uint32_t start = 0, count = 0;
};
std::vector<SubordinateRange> ReadSubordinateRanges(const std::string& file, const std::string& user, uid_t uid);

// Container id 0 is the user's own id (so a rootfs owned by the user is root's inside, as with
// podman), ids 1.. the user's subordinate ranges one after the other.
std::vector<config::IdMapping> RootlessMappings(uint32_t own_id, const std::vector<SubordinateRange>& ranges);

// For a rootless caller: a container that neither creates nor joins a user namespace creates one,
// and a created one without mappings gets RootlessMappings from /etc/subuid and /etc/subgid (a
// user without ranges gets its own id alone, with a warning). As root: the config unchanged.
config::ContainerConfig WithRootlessUserNamespace(config::ContainerConfig config);

// Throws Error for a namespace a rootless container cannot join by path: one of root's (its user
// namespace is owned by uid 0) or another user's, or any the launcher would enter from the host's
// user namespace (entered_by_child false: namespaces other than user and mount, see NamespacePlan),
// where an unprivileged user may enter none.
void CheckRootlessJoin(const JoinedNamespace& joined, bool entered_by_child);

}  // namespace berth::launch
