// Mount options as written in a configuration -> mount(2) flags, propagation and data.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include "launch/mount_options.hpp"

namespace berth::launch {
namespace {

TEST(LaunchMountOptions, FlagsAndDataAreSeparated) {
    MountOptions o = ParseMountOptions({"nosuid", "nodev", "mode=755", "size=65536k", "noexec"}, "tmpfs");
    EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_NOSUID | MS_NODEV | MS_NOEXEC));
    EXPECT_EQ(o.data, "mode=755,size=65536k");
    EXPECT_EQ(o.propagation, 0u);
    EXPECT_FALSE(o.IsBind());
}

TEST(LaunchMountOptions, LaterOptionsWin) {
    EXPECT_EQ(ParseMountOptions({"ro", "rw"}).flags, 0u);
    EXPECT_EQ(ParseMountOptions({"rw", "ro"}).flags, static_cast<unsigned long>(MS_RDONLY));
    EXPECT_EQ(ParseMountOptions({"nosuid", "suid", "noatime", "atime", "exec"}).flags, 0u);
}

TEST(LaunchMountOptions, BindTypeAndRbind) {
    MountOptions bind = ParseMountOptions({}, "bind");
    EXPECT_TRUE(bind.IsBind());
    EXPECT_FALSE(bind.IsRecursiveBind());
    EXPECT_FALSE(bind.NeedsBindRemount());
    MountOptions rbind = ParseMountOptions({"rbind", "ro"}, "none");
    EXPECT_TRUE(rbind.IsRecursiveBind());
    EXPECT_TRUE(rbind.NeedsBindRemount());  // ro on a bind only takes effect with a remount
    EXPECT_EQ(rbind.flags, static_cast<unsigned long>(MS_BIND | MS_REC | MS_RDONLY));
}

TEST(LaunchMountOptions, PropagationIsKeptApart) {
    EXPECT_EQ(ParseMountOptions({"rbind", "rprivate"}).propagation, static_cast<unsigned long>(MS_PRIVATE | MS_REC));
    EXPECT_EQ(ParseMountOptions({"shared"}).propagation, static_cast<unsigned long>(MS_SHARED));
    EXPECT_EQ(ParseMountOptions({"rslave"}).propagation, static_cast<unsigned long>(MS_SLAVE | MS_REC));
    EXPECT_EQ(ParseMountOptions({"runbindable"}).propagation, static_cast<unsigned long>(MS_UNBINDABLE | MS_REC));
    MountOptions o = ParseMountOptions({"rprivate", "bind"});
    EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_BIND));  // no propagation bits in flags
}

TEST(LaunchMountOptions, MiscFlags) {
    EXPECT_EQ(ParseMountOptions({"sync", "dirsync", "strictatime", "relatime", "nodiratime"}).flags,
              static_cast<unsigned long>(MS_SYNCHRONOUS | MS_DIRSYNC | MS_STRICTATIME | MS_RELATIME | MS_NODIRATIME));
    EXPECT_EQ(ParseMountOptions({"defaults"}).flags, 0u);
    EXPECT_EQ(ParseMountOptions({"defaults"}).data, "");
    EXPECT_EQ(ParseMountOptions({"uid=5", "gid=5"}).data, "uid=5,gid=5");
}

}  // namespace
}  // namespace berth::launch
