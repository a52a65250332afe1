// manager layer without containers: names, the state file format, the store, the per-container lock.
#include <gtest/gtest.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "config/defaults.hpp"
#include "manager/container_id.hpp"
#include "manager/container_lock.hpp"
#include "manager/errors.hpp"
#include "manager/manager.hpp"
#include "manager/state.hpp"
#include "manager/state_store.hpp"
#include "util/file.hpp"

namespace berth::manager {
namespace {

TEST(ContainerIdTest, AcceptsTheDocumentedAlphabet) {
    EXPECT_TRUE(ContainerId::IsValid("web"));
    EXPECT_TRUE(ContainerId::IsValid("a"));
    EXPECT_TRUE(ContainerId::IsValid("0web_1.test-2"));
    EXPECT_TRUE(ContainerId::IsValid(std::string(64, 'x')));
}

TEST(ContainerIdTest, RejectsWhatCouldEscapeTheStateDir) {
    for (const char* bad : {"", ".", "..", ".hidden", "-flag", "_x", "a/b", "a b", "web\n", "ü"})
        EXPECT_FALSE(ContainerId::IsValid(bad)) << bad;
    EXPECT_FALSE(ContainerId::IsValid(std::string(65, 'x')));
    EXPECT_THROW(ContainerId("../etc"), Error);
}

ContainerState SampleState() {
    ContainerState state;
    state.name = "web";
    state.status = Status::Running;
    state.pid = 4242;
    state.pid_start_time = 987654321;
    state.rootfs = "/srv/web rootfs";
    state.created = "2026-11-23T05:41:41.123456789Z";
    state.placement.driver = "cgroupfs";
    state.placement.paths = {{"memory", "/sys/fs/cgroup/memory/berth/web"},
                             {"cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/berth/web"}};
    state.netns_path = "/run/netns/web";
    state.exit_code = 137;
    return state;
}

TEST(StateTomlTest, RoundTripsEveryField) {
    ContainerState in = SampleState();
    ContainerState out = ParseStateToml(FormatStateToml(in), "state.toml");
    EXPECT_EQ(out.name, in.name);
    EXPECT_EQ(out.status, Status::Running);
    EXPECT_EQ(out.pid, 4242);
    EXPECT_EQ(out.pid_start_time, 987654321u);
    EXPECT_EQ(out.rootfs, in.rootfs);
    EXPECT_EQ(out.created, in.created);
    EXPECT_EQ(out.placement, in.placement);
    EXPECT_EQ(out.netns_path, in.netns_path);
    EXPECT_EQ(out.exit_code, 137);
}

TEST(StateTomlTest, OptionalFieldsStayAbsent) {
    ContainerState in = SampleState();
    in.netns_path.reset();
    in.exit_code.reset();
    std::string text = FormatStateToml(in);
    EXPECT_EQ(text.find("netns"), std::string::npos);
    EXPECT_EQ(text.find("exit_code"), std::string::npos);
    ContainerState out = ParseStateToml(text, "state.toml");
    EXPECT_FALSE(out.netns_path);
    EXPECT_FALSE(out.exit_code);
}

TEST(StateTomlTest, CorruptTextNamesTheFile) {
    for (const char* text : {"this is not toml [", "version = 1\nname = \"web\"\n", "version = 7\n",
                             "version = 1\nname = \"w\"\nstatus = \"dancing\"\npid = 1\npid_start_time = 1\n"
                             "rootfs = \"/\"\ncreated = \"x\"\n[cgroup]\ndriver = \"\"\nunit = \"\"\n"}) {
        try {
            ParseStateToml(text, "/run/berth/web/state.toml");
            ADD_FAILURE() << "accepted: " << text;
        } catch (const CorruptState& e) {
            EXPECT_NE(std::string(e.what()).find("/run/berth/web/state.toml"), std::string::npos) << e.what();
        }
    }
}

TEST(StatusNameTest, RoundTrips) {
    for (Status s : {Status::Created, Status::Running, Status::Paused, Status::Stopped, Status::Checkpointed})
        EXPECT_EQ(StatusFromName(StatusName(s)), s);
    EXPECT_EQ(StatusFromName("zombie"), std::nullopt);
}

class StateStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/berth-store-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    ContainerState StateWithConfig(const std::string& name) {
        ContainerState state = SampleState();
        state.name = name;
        state.config = config::DefaultContainerConfig();
        state.config.name = name;
        state.config.rootfs = "/srv/" + name;
        state.config.process.args = {"/bin/sh", "-c", "echo hi"};
        return state;
    }

    std::string dir_;
};

TEST_F(StateStoreTest, WritesBothFilesAndReadsThemBack) {
    StateStore store(dir_ + "/state");
    ContainerState state = StateWithConfig("web");
    store.EnsureDir(ContainerId("web"));
    store.Write(state);
    EXPECT_TRUE(PathExists(dir_ + "/state/web/state.toml"));
    EXPECT_TRUE(PathExists(dir_ + "/state/web/config.toml"));
    ContainerState back = store.Read(ContainerId("web"));
    EXPECT_EQ(back.pid, state.pid);
    EXPECT_EQ(back.config.process.args, state.config.process.args);
    EXPECT_EQ(back.config.rootfs, "/srv/web");
    EXPECT_EQ(store.Names(), std::vector<std::string>{"web"});
}

TEST_F(StateStoreTest, MissingStateIsNoSuchContainer) {
    StateStore store(dir_);
    EXPECT_THROW(store.Read(ContainerId("nothere")), NoSuchContainer);
}

TEST_F(StateStoreTest, CorruptFilesAreReportedByName) {
    StateStore store(dir_);
    ContainerState state = StateWithConfig("bad");
    store.EnsureDir(ContainerId("bad"));
    store.Write(state);
    WriteFile(dir_ + "/bad/state.toml", "garbage = [");
    try {
        store.Read(ContainerId("bad"));
        FAIL();
    } catch (const CorruptState& e) {
        EXPECT_NE(std::string(e.what()).find(dir_ + "/bad/state.toml"), std::string::npos) << e.what();
    }
    store.Write(state);
    WriteFile(dir_ + "/bad/config.toml", "[process]\nargs = 12\n");
    try {
        store.Read(ContainerId("bad"));
        FAIL();
    } catch (const CorruptState& e) {
        EXPECT_NE(std::string(e.what()).find(dir_ + "/bad/config.toml"), std::string::npos) << e.what();
    }
}

TEST_F(StateStoreTest, NamesSkipsDirsWithoutStateAndInvalidNames) {
    StateStore store(dir_);
    store.EnsureDir(ContainerId("a"));
    store.Write(StateWithConfig("a"));
    store.EnsureDir(ContainerId("halfmade"));
    MakeDirs(dir_ + "/.a.removed.1");
    WriteFileAtomic(dir_ + "/stray-file", "");
    EXPECT_EQ(store.Names(), std::vector<std::string>{"a"});
}

TEST_F(StateStoreTest, RemoveDeletesTheDirectory) {
    StateStore store(dir_);
    store.EnsureDir(ContainerId("gone"));
    store.Write(StateWithConfig("gone"));
    { ContainerLock lock(store.Dir(ContainerId("gone"))); }
    store.Remove(ContainerId("gone"));
    EXPECT_FALSE(PathExists(dir_ + "/gone"));
    EXPECT_EQ(std::filesystem::directory_iterator(dir_), std::filesystem::directory_iterator());
    store.Remove(ContainerId("gone"));  // idempotent
}

TEST_F(StateStoreTest, LockSerializesOneContainerOnly) {
    StateStore store(dir_);
    store.EnsureDir(ContainerId("one"));
    store.EnsureDir(ContainerId("two"));
    ContainerLock held(store.Dir(ContainerId("one")));
    // Another open file description (as another process or thread would have) cannot take it...
    int fd = ::open((store.Dir(ContainerId("one")) + "/.lock").c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(::flock(fd, LOCK_EX | LOCK_NB), -1);
    EXPECT_EQ(errno, EWOULDBLOCK);
    ::close(fd);
    // ...while a different container's lock is free.
    ContainerLock other(store.Dir(ContainerId("two")));
    SUCCEED();
}

TEST_F(StateStoreTest, LockOnRemovedContainerIsNoSuchContainer) {
    StateStore store(dir_);
    EXPECT_THROW(ContainerLock(dir_ + "/never"), NoSuchContainer);
}

TEST(MergeEnvironmentTest, OverridesReplaceTheSameKeyAndAddNewOnes) {
    std::vector<std::string> base = {"PATH=/bin", "TERM=xterm", "HOME=/root"};
    EXPECT_EQ(MergeEnvironment(base, {"TERM=dumb", "NEW=1"}),
              (std::vector<std::string>{"PATH=/bin", "HOME=/root", "TERM=dumb", "NEW=1"}));
    // A key is matched whole: PATHX does not replace PATH.
    EXPECT_EQ(MergeEnvironment({"PATH=/bin"}, {"PATHX=1"}), (std::vector<std::string>{"PATH=/bin", "PATHX=1"}));
    EXPECT_EQ(MergeEnvironment(base, {}), base);
}

TEST(MergeResourcesTest, OnlyGivenFieldsChange) {
    config::Resources base;
    base.memory_max = config::ByteSize{64 << 20};
    base.tasks_max = 100;
    base.devices = {config::DeviceRule{}};
    config::Resources changes;
    changes.memory_max = config::ByteSize{128 << 20};
    changes.cpu_quota = config::CpuQuota{150};
    config::Resources merged = MergeResources(base, changes);
    EXPECT_EQ(merged.memory_max, config::ByteSize{128 << 20});
    EXPECT_EQ(merged.cpu_quota, config::CpuQuota{150});
    EXPECT_EQ(merged.tasks_max, 100u);
    EXPECT_EQ(merged.devices.size(), 1u) << "no device rules in the change keeps the old ones";
    EXPECT_FALSE(merged.memory_high);
}

}  // namespace
}  // namespace berth::manager
