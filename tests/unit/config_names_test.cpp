// Capability and rlimit names, resolved once by the loader into numbers.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>

#include "config/capability_names.hpp"
#include "config/defaults.hpp"
#include "config/loader.hpp"
#include "config/rlimit_names.hpp"

namespace berth::config {
namespace {

TEST(ConfigNames, CapabilitiesInEverySpelling) {
    EXPECT_EQ(CapabilityFromName("net_bind_service"), CAP_NET_BIND_SERVICE);
    EXPECT_EQ(CapabilityFromName("NET_BIND_SERVICE"), CAP_NET_BIND_SERVICE);
    EXPECT_EQ(CapabilityFromName("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
    EXPECT_EQ(CapabilityFromName("cap_chown"), CAP_CHOWN);
    EXPECT_EQ(CapabilityName(CAP_SYS_ADMIN), "sys_admin");
}

TEST(ConfigNames, UnknownCapabilitiesAreRejected) {
    EXPECT_EQ(CapabilityFromName("fly"), std::nullopt);
    EXPECT_EQ(CapabilityFromName("cap_"), std::nullopt);
    EXPECT_EQ(CapabilityFromName("12"), std::nullopt);  // libcap accepts numbers; a config must not
}

TEST(ConfigNames, TheDefaultSetIsDockersAsStatusShowsIt) {
    const CapabilitySet& bounding = DefaultContainerConfig().capabilities.bounding;
    EXPECT_EQ(bounding.Mask(), 0xa80425fbULL);
    EXPECT_EQ(bounding.size(), 14u);
    EXPECT_EQ(CapabilityNames(CapabilitySet::FromMask((1ULL << CAP_KILL) | (1ULL << CAP_CHOWN))),
              (std::vector<std::string>{"chown", "kill"}));
}

TEST(ConfigNames, LoadedCapabilitiesAreNumbers) {
    ContainerConfig c = ParseContainerConfigString(
        "web", "rootfs = \"/r\"\n[capabilities]\nbounding = [\"CAP_NET_ADMIN\", \"kill\"]\nambient = []\n", "web.toml");
    EXPECT_EQ(c.capabilities.bounding.Mask(), (1ULL << CAP_NET_ADMIN) | (1ULL << CAP_KILL));
    EXPECT_TRUE(c.capabilities.ambient.empty());
}

TEST(ConfigNames, Rlimits) {
    EXPECT_EQ(RlimitResource("nofile"), RLIMIT_NOFILE);
    EXPECT_EQ(CanonicalRlimitName("RLIMIT_NPROC"), "nproc");
    EXPECT_EQ(CanonicalRlimitName("CORE"), "core");
    EXPECT_EQ(CanonicalRlimitName("nofiles"), std::nullopt);
    EXPECT_EQ(RlimitName(RLIMIT_MEMLOCK), "memlock");
    ContainerConfig c = ParseContainerConfigString("web", "rootfs = \"/r\"\n[rlimits]\nRLIMIT_CORE = 0\n", "web.toml");
    EXPECT_EQ(c.rlimits, (std::vector<Rlimit>{{RLIMIT_CORE, 0, 0}, {RLIMIT_NOFILE, 1024, 1024}}));
}

}  // namespace
}  // namespace berth::config
