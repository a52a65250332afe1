// mountinfo text -> cgroup layout (v2 only, v1 only, hybrid), hierarchy keys and lookups.
#include <gtest/gtest.h>

#include "cgroup/cgroup_layout.hpp"

namespace berth::cgroup {
namespace {

constexpr const char* kHybrid =
    "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

constexpr const char* kV2Only =
    "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
    "41 30 0:40 / /sys/fs/bpf rw - bpf bpf rw\n";

constexpr const char* kV1Only =
    "25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct\n"
    "26 24 0:23 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory\n"
    "27 24 0:24 / /sys/fs/cgroup/net_cls,net_prio rw shared:12 - cgroup cgroup rw,net_cls,net_prio\n"
    "28 24 0:25 / /sys/fs/cgroup/pids rw shared:13 - cgroup cgroup rw,pids\n"
    "29 24 0:26 / /sys/fs/cgroup/systemd rw shared:14 - cgroup cgroup "
    "rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd\n";

TEST(CgroupLayout, HybridHasEveryV1ControllerAndAnEmptyUnified) {
    Layout layout = ParseMountinfo(kHybrid);
    EXPECT_EQ(layout.kind, LayoutKind::Hybrid);
    ASSERT_EQ(layout.hierarchies.size(), 10u);
    ASSERT_NE(layout.V1ForController("memory"), nullptr);
    EXPECT_EQ(layout.V1ForController("memory")->mount_point, "/sys/fs/cgroup/memory");
    EXPECT_EQ(layout.ForController("cpuacct")->key, "cpuacct");
    EXPECT_EQ(layout.ForController("freezer")->key, "freezer");
    ASSERT_NE(layout.Unified(), nullptr);
    EXPECT_EQ(layout.Unified()->mount_point, "/sys/fs/cgroup/unified");
    EXPECT_EQ(layout.Unified()->key, "unified");
    EXPECT_TRUE(layout.Unified()->controllers.empty());
    const Hierarchy* named = layout.ForKey("name=systemd");
    ASSERT_NE(named, nullptr);
    EXPECT_EQ(named->name, "systemd");
    EXPECT_TRUE(named->controllers.empty());
    // Controllers listed in /proc/self/cgroup but mounted nowhere are simply absent.
    EXPECT_EQ(layout.ForController("perf_event"), nullptr);
    EXPECT_EQ(layout.ForController("hugetlb"), nullptr);
}

TEST(CgroupLayout, V2OnlyIsOneUnifiedHierarchy) {
    Layout layout = ParseMountinfo(kV2Only);
    EXPECT_EQ(layout.kind, LayoutKind::V2);
    ASSERT_EQ(layout.hierarchies.size(), 1u);
    EXPECT_TRUE(layout.hierarchies[0].unified);
    EXPECT_EQ(layout.hierarchies[0].mount_point, "/sys/fs/cgroup");
    EXPECT_EQ(layout.V1ForController("memory"), nullptr);
    // Without cgroup.controllers read (DetectLayout does that) no controller is known.
    EXPECT_EQ(layout.ForController("memory"), nullptr);
    layout.hierarchies[0].controllers = ParseControllerList("cpuset cpu io memory pids\n");
    EXPECT_EQ(layout.ForController("memory")->key, "unified");
}

TEST(CgroupLayout, V1CoMountedControllersShareOneKey) {
    Layout layout = ParseMountinfo(kV1Only);
    EXPECT_EQ(layout.kind, LayoutKind::V1);
    EXPECT_EQ(layout.Unified(), nullptr);
    ASSERT_NE(layout.ForController("cpu"), nullptr);
    EXPECT_EQ(layout.ForController("cpu")->key, "cpu,cpuacct");
    EXPECT_EQ(layout.ForController("cpuacct")->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
    EXPECT_EQ(layout.ForController("net_prio")->key, "net_cls,net_prio");
    // release_agent= and xattr are options, not controllers.
    EXPECT_EQ(layout.ForKey("name=systemd")->controllers.size(), 0u);
}

TEST(CgroupLayout, EscapedMountPointAndDuplicateMountsPreferSysFsCgroup) {
    Layout layout = ParseMountinfo(
        "50 1 0:31 / /tmp/my\\040dir rw - cgroup cgroup rw,memory\n"
        "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "60 1 0:31 / /mnt/again rw - cgroup cgroup rw,memory\n");
    ASSERT_EQ(layout.hierarchies.size(), 1u);
    EXPECT_EQ(layout.hierarchies[0].mount_point, "/sys/fs/cgroup/memory");

    Layout escaped = ParseMountinfo("50 1 0:31 / /sys/fs/cgroup/my\\040dir rw - cgroup cgroup rw,memory\n");
    EXPECT_EQ(escaped.hierarchies.at(0).mount_point, "/sys/fs/cgroup/my dir");
}

TEST(CgroupLayout, HierarchyMountedOnlyOutsideSysFsCgroupIsIgnored) {
    // CRIU mounts every hierarchy in a temporary yard while it works; such a mount must never be used.
    Layout layout = ParseMountinfo(
        "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "70 1 0:40 / /tmp/img/.criu.cgyard.R5pug7/hugetlb rw - cgroup cgroup rw,hugetlb\n");
    ASSERT_EQ(layout.hierarchies.size(), 1u);
    EXPECT_EQ(layout.ForController("hugetlb"), nullptr);
    EXPECT_EQ(layout.hierarchies[0].key, "memory");
}

TEST(CgroupLayout, NoCgroupMountsIsNone) {
    EXPECT_EQ(ParseMountinfo("22 1 0:21 / /sys rw - sysfs sysfs rw\n").kind, LayoutKind::None);
    EXPECT_EQ(ParseMountinfo("").kind, LayoutKind::None);
}

}  // namespace
}  // namespace berth::cgroup
