#pragma once
// Whether a container's own network namespace (one Berth created, not joined by path) still holds
// only what Berth put there: lo, up. Then CRIU need not dump it (no ip/iptables-save runs, as
// runc's default --empty-ns network) and restore brings lo up in the new namespace instead.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "checkpoint/external_mounts.hpp"
#include "config/model.hpp"

namespace berth::checkpoint {

// The /proc files of the container's init that tell (missing files are empty: no IPv6, no xtables).
struct NetnsSnapshot {
    std::string status;            // /proc/PID/status, for CapBnd
    config::CapabilitySet configured_bounding;  // what `berthctl exec` gives new processes
    std::vector<MountInfoEntry> mounts;  // the init's mountinfo, for a read-only /proc/sys
    std::string dev;               // net/dev: the interfaces
    std::string if_inet6;          // net/if_inet6: IPv6 addresses
    std::string fib_trie;          // net/fib_trie: IPv4 addresses (host LOCAL entries)
    std::string route;             // net/route: IPv4 main table
    std::string ipv6_route;        // net/ipv6_route
    std::string xtables_names;     // net/{ip,ip6,arp}_tables_names, concatenated
};

NetnsSnapshot ReadNetnsSnapshot(pid_t init_pid, std::vector<MountInfoEntry> mounts,
                                config::CapabilitySet configured_bounding);

// Empty when the namespace can only hold lo as Berth set it up: its tasks (and exec'd ones) lack CAP_NET_ADMIN and
// CAP_SYS_ADMIN, /proc/sys is read-only, and there is no other interface, address, route or
// legacy xtables table (what the host could add from outside). Otherwise the first thing found.
std::optional<std::string> NetnsContentBeyondLoopback(const NetnsSnapshot& snapshot);

}  // namespace berth::checkpoint
