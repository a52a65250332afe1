// When a container's own netns holds only lo as Berth set it up (CRIU may then leave it out of the
// dump), and each kind of content that makes CRIU dump it after all.
#include <gtest/gtest.h>
#include <linux/capability.h>

#include <string>

#include "checkpoint/private_netns.hpp"

namespace berth::checkpoint {
namespace {

// What /proc shows for a busybox container with the default capabilities, read in a real one.
NetnsSnapshot Pristine() {
    NetnsSnapshot s;
    s.status = "Name:\tsh\nCapInh:\t0000000000000000\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n";
    s.mounts = ParseMountInfo(
        "149 148 254:0 /srv/rootfs / rw,relatime - ext4 /dev/vda rw\n"
        "150 149 0:54 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
        "163 150 0:54 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw\n");
    s.dev =
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
        "carrier compressed\n"
        "    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0 "
        "      0          0\n";
    s.if_inet6 = "00000000000000000000000000000001 01 80 10 80       lo\n";
    s.fib_trie =
        "Main:\n  +-- 127.0.0.0/8 2 0 2\n     +-- 127.0.0.0/31 1 0 0\n        |-- 127.0.0.0\n"
        "           /8 host LOCAL\n        |-- 127.0.0.1\n           /32 host LOCAL\n"
        "     |-- 127.255.255.255\n        /32 link BROADCAST\n";
    s.route = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
    s.ipv6_route =
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
        "00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo\n";
    return s;
}

TEST(CheckpointPrivateNetns, LoopbackOnlyNeedsNoDump) {
    std::optional<std::string> beyond = NetnsContentBeyondLoopback(Pristine());
    EXPECT_FALSE(beyond) << *beyond;
}

TEST(CheckpointPrivateNetns, WithoutIpv6ItStillNeedsNoDump) {
    NetnsSnapshot s = Pristine();
    s.if_inet6.clear();
    s.ipv6_route.clear();
    EXPECT_FALSE(NetnsContentBeyondLoopback(s));
}

void ExpectDumped(const NetnsSnapshot& s, const std::string& reason_part) {
    std::optional<std::string> beyond = NetnsContentBeyondLoopback(s);
    ASSERT_TRUE(beyond) << "expected the netns to be dumped because of " << reason_part;
    EXPECT_NE(beyond->find(reason_part), std::string::npos) << *beyond;
}

TEST(CheckpointPrivateNetns, NetAdminOrSysAdminCapabilityMeansDump) {
    NetnsSnapshot s = Pristine();
    s.status = "CapBnd:\t00000000a80435fb\n";  // + CAP_NET_ADMIN (bit 12)
    ExpectDumped(s, "CAP_NET_ADMIN");
    s.status = "CapBnd:\t00000000a82425fb\n";  // + CAP_SYS_ADMIN (bit 21)
    ExpectDumped(s, "CAP_SYS_ADMIN");
    s.status = "Name:\tsh\n";
    ExpectDumped(s, "unknown");
    // The init may have dropped it, `berthctl exec` still grants what the config says.
    s = Pristine();
    s.configured_bounding.Add(CAP_CHOWN);
    s.configured_bounding.Add(CAP_NET_ADMIN);
    ExpectDumped(s, "CAP_NET_ADMIN (configured)");
}

TEST(CheckpointPrivateNetns, WritableProcSysMeansDump) {
    NetnsSnapshot s = Pristine();
    s.mounts = ParseMountInfo("150 149 0:54 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n");
    ExpectDumped(s, "/proc/sys");
    s.mounts = ParseMountInfo("163 150 0:54 /sys /proc/sys rw,nosuid - proc proc rw\n");
    ExpectDumped(s, "/proc/sys");
}

TEST(CheckpointPrivateNetns, AnotherInterfaceMeansDump) {
    NetnsSnapshot s = Pristine();
    s.dev += "dummy0:       0       0    0    0    0     0          0         0        0       0    0    0    0"
             "     0       0          0\n";
    ExpectDumped(s, "dummy0");
}

TEST(CheckpointPrivateNetns, AnAddedAddressMeansDump) {
    NetnsSnapshot s = Pristine();
    s.if_inet6 += "fd000000000000000000000000000001 01 40 00 80       lo\n";
    ExpectDumped(s, "fd000000000000000000000000000001");
    s = Pristine();
    s.fib_trie += "        |-- 10.1.2.3\n           /32 host LOCAL\n";
    ExpectDumped(s, "10.1.2.3");
}

TEST(CheckpointPrivateNetns, AnAddedRouteMeansDump) {
    NetnsSnapshot s = Pristine();
    s.route += "lo\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n";
    ExpectDumped(s, "IPv4 route");
    s = Pristine();
    s.ipv6_route +=
        "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000400 00000001 00000000 00000001       lo\n";
    ExpectDumped(s, "IPv6 route");
}

TEST(CheckpointPrivateNetns, LegacyXtablesTablesMeanDump) {
    NetnsSnapshot s = Pristine();
    s.xtables_names = "filter\n";
    ExpectDumped(s, "xtables");
}

}  // namespace
}  // namespace berth::checkpoint
