// Rlimit checks, id maps, namespace plans, devices and PATH search: pure logic.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>

#include "config/defaults.hpp"
#include "launch/devices.hpp"
#include "launch/idmap.hpp"
#include "launch/namespaces.hpp"
#include "launch/process.hpp"
#include "launch/rlimits.hpp"
#include "util/error.hpp"

namespace berth::launch {
namespace {

using config::NamespaceKind;

TEST(LaunchRlimits, SoftAboveHardIsAnErrorBeforeAnythingIsSpawned) {
    try {
        CheckRlimits({{RLIMIT_NOFILE, 10, 5}});
        FAIL();
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "rlimit nofile: soft limit 10 is above the hard limit 5");
    }
    rlimit current;
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &current), 0);
    EXPECT_NO_THROW(CheckRlimits({{RLIMIT_NOFILE, 0, current.rlim_max}}));
}

TEST(LaunchIdMap, FormatAndMembership) {
    std::vector<config::IdMapping> maps = {{0, 100000, 1000}, {1000, 5000, 1}};
    EXPECT_EQ(FormatIdMap(maps), "0 100000 1000\n1000 5000 1\n");
    EXPECT_TRUE(IsMapped(maps, 0));
    EXPECT_TRUE(IsMapped(maps, 999));
    EXPECT_TRUE(IsMapped(maps, 1000));
    EXPECT_FALSE(IsMapped(maps, 1001));
}

TEST(LaunchNamespaces, DefaultsAreCreatedByCloneExceptCgroup) {
    NamespacePlan plan = PlanNamespaces(config::DefaultContainerConfig().namespaces);
    EXPECT_EQ(plan.clone_flags, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET);
    // The cgroup namespace is made after the parent placed the child in its cgroup.
    EXPECT_EQ(plan.unshare_flags, CLONE_NEWCGROUP);
    EXPECT_TRUE(plan.parent_joins.empty());
    EXPECT_TRUE(plan.child_joins.empty());
    EXPECT_TRUE(plan.creates(NamespaceKind::Cgroup));
    EXPECT_FALSE(plan.creates(NamespaceKind::User));
}

TEST(LaunchNamespaces, JoinedByPathAreEnteredByTheParentUserAndMountByTheChild) {
    std::vector<config::NamespaceConfig> ns = {
        {NamespaceKind::Mount, std::nullopt},      {NamespaceKind::Net, "/run/netns/a"},
        {NamespaceKind::Pid, "/proc/9/ns/pid"},    {NamespaceKind::User, std::nullopt},
        {NamespaceKind::Ipc, "/proc/9/ns/ipc"},
    };
    NamespacePlan plan = PlanNamespaces(ns);
    EXPECT_EQ(plan.clone_flags, CLONE_NEWNS | CLONE_NEWUSER);
    ASSERT_EQ(plan.parent_joins.size(), 3u);
    // Join order: ipc, (uts), net, pid.
    EXPECT_EQ(plan.parent_joins[0].kind, NamespaceKind::Ipc);
    EXPECT_EQ(plan.parent_joins[1].kind, NamespaceKind::Net);
    EXPECT_EQ(plan.parent_joins[2].kind, NamespaceKind::Pid);
    EXPECT_EQ(plan.parent_joins[1].path, "/run/netns/a");
    EXPECT_TRUE(plan.joins(NamespaceKind::Net));
    EXPECT_FALSE(plan.creates(NamespaceKind::Net));
}

TEST(LaunchNamespaces, AJoinedUserNamespaceOwnsTheCreatedOnes) {
    std::vector<config::NamespaceConfig> ns = {
        {NamespaceKind::User, "/proc/9/ns/user"}, {NamespaceKind::Mount, std::nullopt}, {NamespaceKind::Uts, std::nullopt}};
    NamespacePlan plan = PlanNamespaces(ns);
    EXPECT_EQ(plan.clone_flags, 0);
    EXPECT_EQ(plan.unshare_flags, CLONE_NEWNS | CLONE_NEWUTS);
    ASSERT_EQ(plan.child_joins.size(), 1u);
    EXPECT_EQ(plan.child_joins[0].kind, NamespaceKind::User);
    ns.push_back({NamespaceKind::Pid, std::nullopt});
    EXPECT_THROW(PlanNamespaces(ns), Error);
}

TEST(LaunchNamespaces, ProcNames) {
    EXPECT_STREQ(ProcNsName(NamespaceKind::Mount), "mnt");
    EXPECT_STREQ(ProcNsName(NamespaceKind::Net), "net");
    EXPECT_EQ(CloneFlag(NamespaceKind::Cgroup), CLONE_NEWCGROUP);
}

TEST(LaunchDevices, ConfiguredDevicesAddToOrReplaceTheDefaults) {
    std::vector<config::DeviceConfig> devices = ContainerDevices({
        {"/dev/null", 'c', 1, 3, 0600, 0, 0},
        {"/dev/fuse", 'c', 10, 229, 0666, 0, 0},
    });
    ASSERT_EQ(devices.size(), 7u);
    EXPECT_EQ(devices[0].path, "/dev/null");
    EXPECT_EQ(devices[0].file_mode, 0600u);
    EXPECT_EQ(devices[6].path, "/dev/fuse");
}

TEST(LaunchProcess, SearchPathComesFromTheContainersEnv) {
    EXPECT_EQ(SearchPathOf({"A=1", "PATH=/opt/bin:/bin"}), "/opt/bin:/bin");
    EXPECT_EQ(SearchPathOf({"A=1"}), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

}  // namespace
}  // namespace berth::launch
