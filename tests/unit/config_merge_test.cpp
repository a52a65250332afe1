// Precedence and merge order of NAME.toml and NAME.toml.d/*.toml across the search path.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "config/defaults.hpp"
#include "config/loader.hpp"
#include "config_test_support.hpp"

namespace berth::config {
namespace {

using testing::CaptureConfigError;
using testing::TempDir;

constexpr const char* kMain = "rootfs = \"/srv/web\"\n";

class ConfigMerge : public ::testing::Test {
protected:
    ContainerConfig Load() { return LoadContainerConfig("web", dirs_.ThreeDirs()); }
    TempDir dirs_;
};

TEST_F(ConfigMerge, MainFileFromHighestDirectoryWins) {
    dirs_.Write("etc/web.toml", "rootfs = \"/srv/etc\"\n");
    dirs_.Write("run/web.toml", "rootfs = \"/srv/run\"\n");
    dirs_.Write("lib/web.toml", "rootfs = \"/srv/lib\"\nhostname = \"lib\"\n");
    ContainerConfig config = Load();
    EXPECT_EQ(config.rootfs, "/srv/etc");
    EXPECT_EQ(config.hostname, "");  // lib's main file is not applied at all
    EXPECT_EQ(config.name, "web");
}

TEST_F(ConfigMerge, MainFileOnlyInLowestDirectory) {
    dirs_.Write("lib/web.toml", "rootfs = \"/srv/lib\"\nhostname = \"lowest\"\n");
    ContainerConfig config = Load();
    EXPECT_EQ(config.rootfs, "/srv/lib");
    EXPECT_EQ(config.hostname, "lowest");
    EXPECT_EQ(ResolveFiles("web", dirs_.ThreeDirs()), std::vector<std::string>{dirs_.Path() + "/lib/web.toml"});
}

TEST_F(ConfigMerge, MissingMainFileIsAnErrorEvenWithDropIns) {
    dirs_.Write("etc/web.toml.d/10-host.toml", "hostname = \"x\"\n");
    try {
        Load();
        FAIL() << "loaded without a main file";
    } catch (const ConfigError&) {
        FAIL() << "a missing file is not a content error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("web.toml"), std::string::npos) << e.what();
        EXPECT_EQ(e.Errno(), ENOENT);
    }
}

TEST_F(ConfigMerge, DropInsApplyInLexicalOrderOfFileName) {
    dirs_.Write("etc/web.toml", kMain);
    dirs_.Write("etc/web.toml.d/20-b.toml", "hostname = \"b\"\n");
    dirs_.Write("etc/web.toml.d/10-a.toml", "hostname = \"a\"\nstop_timeout = \"5s\"\n");
    dirs_.Write("etc/web.toml.d/05-z.toml", "hostname = \"z\"\n");
    ContainerConfig config = Load();
    EXPECT_EQ(config.hostname, "b");
    EXPECT_EQ(config.stop_timeout, std::chrono::seconds(5));
}

TEST_F(ConfigMerge, HugepagesAndUnifiedMergeEntryByEntry) {
    dirs_.Write("etc/web.toml", std::string(kMain) +
                                    "[resources]\nhugepages_max = { \"2MB\" = \"64M\", \"1GB\" = \"2G\" }\n"
                                    "unified = { \"memory.oom.group\" = \"1\" }\nmemory_low = \"32M\"\n");
    // A drop-in changes one page size, undoes another ("max") and adds a file; the rest stays.
    dirs_.Write("etc/web.toml.d/10-limits.toml",
                "[resources.hugepages_max]\n2MB = \"128M\"\n1GB = \"max\"\n"
                "[resources.unified]\n\"cgroup.max.descendants\" = \"4\"\n");
    dirs_.Write("etc/web.toml.d/20-low.toml", "[resources]\nmemory_low = \"max\"\n");
    Resources r = Load().resources;
    EXPECT_EQ(r.hugepage_limits, (std::map<std::string, ByteSize>{{"2MB", {128ULL << 20}}}));
    EXPECT_EQ(r.unified, (std::map<std::string, std::string>{{"cgroup.max.descendants", "4"}, {"memory.oom.group", "1"}}));
    EXPECT_FALSE(r.memory_low) << "\"max\" undoes a lower file's memory_low";
}

TEST_F(ConfigMerge, LexicalOrderSpansDirectories) {
    // A lower directory's later-named drop-in is applied after a higher directory's earlier one.
    dirs_.Write("etc/web.toml", kMain);
    dirs_.Write("etc/web.toml.d/10-etc.toml", "hostname = \"etc\"\n");
    dirs_.Write("lib/web.toml.d/20-lib.toml", "hostname = \"lib\"\n");
    EXPECT_EQ(Load().hostname, "lib");
    EXPECT_EQ(ResolveFiles("web", dirs_.ThreeDirs()),
              (std::vector<std::string>{dirs_.Path() + "/etc/web.toml", dirs_.Path() + "/etc/web.toml.d/10-etc.toml",
                                        dirs_.Path() + "/lib/web.toml.d/20-lib.toml"}));
}

TEST_F(ConfigMerge, SameNamedDropInInHigherDirectoryReplacesLower) {
    dirs_.Write("lib/web.toml", kMain);
    dirs_.Write("etc/web.toml.d/10-limits.toml", "hostname = \"etc\"\n");
    dirs_.Write("lib/web.toml.d/10-limits.toml", "hostname = \"lib\"\n[resources]\nmemory_max = \"1G\"\n");
    ContainerConfig config = Load();
    EXPECT_EQ(config.hostname, "etc");
    EXPECT_FALSE(config.resources.memory_max.has_value());  // lib's file is masked entirely
    EXPECT_EQ(ResolveFiles("web", dirs_.ThreeDirs()).size(), 2u);
}

TEST_F(ConfigMerge, DropInsFromAllThreeDirectories) {
    dirs_.Write("run/web.toml", kMain);
    dirs_.Write("etc/web.toml.d/30-etc.toml", "[resources]\ncpu_weight = 300\n");
    dirs_.Write("run/web.toml.d/20-run.toml", "[resources]\ntasks_max = 20\n");
    dirs_.Write("lib/web.toml.d/10-lib.toml", "[resources]\nmemory_max = \"256M\"\n");
    ContainerConfig config = Load();
    EXPECT_EQ(config.resources.cpu_weight, 300u);
    EXPECT_EQ(config.resources.tasks_max, 20u);
    ASSERT_TRUE(config.resources.memory_max);
    EXPECT_EQ(config.resources.memory_max->bytes, 256ULL << 20);
    EXPECT_EQ(ResolveFiles("web", dirs_.ThreeDirs()),
              (std::vector<std::string>{dirs_.Path() + "/run/web.toml", dirs_.Path() + "/lib/web.toml.d/10-lib.toml",
                                        dirs_.Path() + "/run/web.toml.d/20-run.toml",
                                        dirs_.Path() + "/etc/web.toml.d/30-etc.toml"}));
}

TEST_F(ConfigMerge, NestedTablesMergeKeyByKey) {
    dirs_.Write("etc/web.toml", std::string(kMain) +
                                    "[process]\nargs = [\"/bin/app\"]\nuser = 1000\n"
                                    "[resources]\nmemory_max = \"512M\"\ncpu_quota = \"50%\"\n");
    dirs_.Write("etc/web.toml.d/10.toml", "[process]\ncwd = \"/data\"\n[resources]\ncpu_quota = \"150%\"\n");
    ContainerConfig config = Load();
    EXPECT_EQ(config.process.args, std::vector<std::string>{"/bin/app"});
    EXPECT_EQ(config.process.uid, 1000u);
    EXPECT_EQ(config.process.cwd, "/data");
    ASSERT_TRUE(config.resources.memory_max);
    EXPECT_EQ(config.resources.memory_max->bytes, 512ULL << 20);
    ASSERT_TRUE(config.resources.cpu_quota);
    EXPECT_EQ(config.resources.cpu_quota->percent, 150u);
}

TEST_F(ConfigMerge, InlineTablesMergeKeyByKeyToo) {
    dirs_.Write("etc/web.toml", std::string(kMain) + "[rlimits]\nnproc = { soft = 10, hard = 100 }\n");
    dirs_.Write("etc/web.toml.d/10.toml", "[rlimits]\nnproc = { soft = 50, hard = 100 }\n");
    ContainerConfig config = Load();
    ASSERT_EQ(config.rlimits.size(), 2u);
    EXPECT_EQ(config.rlimits[0], (Rlimit{RLIMIT_NOFILE, 1024, 1024}));  // the default stays
    EXPECT_EQ(config.rlimits[1], (Rlimit{RLIMIT_NPROC, 50, 100}));
}

TEST_F(ConfigMerge, RlimitSpellingsMergeAsOneLimit) {
    dirs_.Write("etc/web.toml", std::string(kMain) + "[rlimits]\nRLIMIT_NOFILE = { soft = 100, hard = 200 }\n");
    dirs_.Write("etc/web.toml.d/10.toml", "[rlimits]\nnofile = { soft = 150 }\n");
    ContainerConfig config = Load();
    ASSERT_EQ(config.rlimits.size(), 1u);
    EXPECT_EQ(config.rlimits[0], (Rlimit{RLIMIT_NOFILE, 150, 200}));
}

TEST_F(ConfigMerge, RlimitHalvesFromDifferentFilesCombine) {
    dirs_.Write("etc/web.toml", std::string(kMain) + "[rlimits]\nnproc = { soft = 10 }\nnofile = { soft = 4096 }\n");
    dirs_.Write("etc/web.toml.d/10.toml", "[rlimits]\nnproc = { hard = 100 }\nnofile = { hard = 8192 }\n");
    ContainerConfig config = Load();
    ASSERT_EQ(config.rlimits.size(), 2u);
    EXPECT_EQ(config.rlimits[0], (Rlimit{RLIMIT_NOFILE, 4096, 8192}));
    EXPECT_EQ(config.rlimits[1], (Rlimit{RLIMIT_NPROC, 10, 100}));
}

TEST_F(ConfigMerge, RlimitHalfNobodyCompletesIsAnError) {
    std::string main = dirs_.Write("etc/web.toml", std::string(kMain) + "[rlimits]\nnproc = { soft = 10 }\n");
    ConfigError e = CaptureConfigError([&] { Load(); });
    EXPECT_EQ(e.File(), main);
    EXPECT_EQ(e.Line(), 3);
    EXPECT_EQ(e.KeyPath(), "rlimits.nproc.hard");
}

TEST_F(ConfigMerge, ArraysAreReplacedNotAppended) {
    dirs_.Write("etc/web.toml", std::string(kMain) +
                                    "[process]\nenv = [\"A=1\", \"B=2\"]\n"
                                    "[[mounts]]\ntype = \"tmpfs\"\ndestination = \"/tmp\"\n"
                                    "[[mounts]]\ntype = \"tmpfs\"\ndestination = \"/run\"\n");
    dirs_.Write("etc/web.toml.d/10.toml", "[process]\nenv = [\"C=3\"]\n[[mounts]]\ntype = \"tmpfs\"\ndestination = \"/var/tmp\"\n");
    ContainerConfig config = Load();
    EXPECT_EQ(config.process.env, std::vector<std::string>{"C=3"});
    ASSERT_EQ(config.mounts.size(), 1u);
    EXPECT_EQ(config.mounts[0].destination, "/var/tmp");
}

TEST_F(ConfigMerge, ScalarOverride) {
    dirs_.Write("etc/web.toml", std::string(kMain) + "stop_timeout = \"30s\"\n[checkpoint]\ntcp_established = true\n");
    dirs_.Write("etc/web.toml.d/10.toml", "stop_timeout = \"2min\"\n[checkpoint]\ntcp_established = false\n");
    ContainerConfig config = Load();
    EXPECT_EQ(config.stop_timeout, std::chrono::minutes(2));
    EXPECT_FALSE(config.checkpoint.tcp_established);
}

TEST_F(ConfigMerge, EmptyDropInDirectoryChangesNothing) {
    dirs_.Write("etc/web.toml", std::string(kMain) + "hostname = \"web\"\n");
    dirs_.MakeDir("etc/web.toml.d");
    dirs_.MakeDir("lib/web.toml.d");
    EXPECT_EQ(ResolveFiles("web", dirs_.ThreeDirs()), std::vector<std::string>{dirs_.Path() + "/etc/web.toml"});
    ContainerConfig expected = DefaultContainerConfig();
    expected.name = "web";
    expected.rootfs = "/srv/web";
    expected.hostname = "web";
    EXPECT_EQ(Load(), expected);
}

TEST_F(ConfigMerge, OnlyVisibleTomlFilesAreDropIns) {
    dirs_.Write("etc/web.toml", kMain);
    dirs_.Write("etc/web.toml.d/README", "hostname = \"readme\"\n");
    dirs_.Write("etc/web.toml.d/.10-hidden.toml", "hostname = \"hidden\"\n");
    dirs_.Write("etc/web.toml.d/10.toml.orig", "hostname = \"orig\"\n");
    dirs_.MakeDir("etc/web.toml.d/20-dir.toml");
    dirs_.Write("etc/web.toml.d/05.toml", "hostname = \"real\"\n");
    EXPECT_EQ(Load().hostname, "real");
}

TEST_F(ConfigMerge, KeysAbsentEverywhereKeepDefaults) {
    dirs_.Write("etc/web.toml", std::string(kMain) + "[process]\nargs = [\"/bin/true\"]\n");
    ContainerConfig config = Load();
    ContainerConfig defaults = DefaultContainerConfig();
    EXPECT_EQ(config.capabilities, defaults.capabilities);
    EXPECT_EQ(config.masked_paths, defaults.masked_paths);
    EXPECT_EQ(config.namespaces, defaults.namespaces);
    EXPECT_EQ(config.resources.devices, defaults.resources.devices);
    EXPECT_EQ(config.process.env, defaults.process.env);
    EXPECT_EQ(config.process.args, std::vector<std::string>{"/bin/true"});
}

TEST_F(ConfigMerge, RootfsShorthandMergesWithTableForm) {
    dirs_.Write("etc/web.toml", "rootfs = \"/srv/web\"\n");
    dirs_.Write("etc/web.toml.d/10-ro.toml", "[rootfs]\nreadonly = true\n");
    ContainerConfig config = Load();
    EXPECT_EQ(config.rootfs, "/srv/web");
    EXPECT_TRUE(config.rootfs_readonly);
}

TEST_F(ConfigMerge, NamespaceTableMergesPerKind) {
    dirs_.Write("etc/web.toml", std::string(kMain) + "[namespaces]\nnet = \"/run/netns/web\"\n");
    dirs_.Write("etc/web.toml.d/10.toml", "[namespaces]\nipc = false\n");
    ContainerConfig config = Load();
    ASSERT_NE(config.FindNamespace(NamespaceKind::Net), nullptr);
    EXPECT_EQ(config.FindNamespace(NamespaceKind::Net)->path, "/run/netns/web");
    EXPECT_EQ(config.FindNamespace(NamespaceKind::Ipc), nullptr);
    ASSERT_NE(config.FindNamespace(NamespaceKind::Pid), nullptr);
    EXPECT_FALSE(config.FindNamespace(NamespaceKind::Pid)->path.has_value());
}

TEST_F(ConfigMerge, ConfigPathParsesColonSeparatedHighestFirst) {
    SearchPath path = SearchPath::Parse("/a:/b::/c");
    EXPECT_EQ(path.dirs, (std::vector<std::string>{"/a", "/b", "/c"}));
    EXPECT_EQ(SearchPath::DefaultContainers().dirs.front(), "/etc/berth/containers");
    EXPECT_EQ(SearchPath::DefaultDaemon().dirs.back(), "/usr/lib/berth");
}

TEST_F(ConfigMerge, ErrorInDropInNamesTheDropInAndItsLine) {
    dirs_.Write("etc/web.toml", kMain);
    std::string drop_in = dirs_.Write("lib/web.toml.d/50-bad.toml", "\n[resources]\nmemory_max = \"lots\"\n");
    ConfigError e = CaptureConfigError([&] { Load(); });
    EXPECT_EQ(e.File(), drop_in);
    EXPECT_EQ(e.Line(), 3);
    EXPECT_EQ(e.Column(), 14);
    EXPECT_EQ(e.KeyPath(), "resources.memory_max");
}

TEST_F(ConfigMerge, ValueValidOnlyAfterOverrideIsStillAnError) {
    // Strict: a broken drop-in is reported even when a later file would replace its value.
    dirs_.Write("etc/web.toml", kMain);
    std::string bad = dirs_.Write("etc/web.toml.d/10.toml", "stop_timeout = \"soon\"\n");
    dirs_.Write("etc/web.toml.d/20.toml", "stop_timeout = \"5s\"\n");
    ConfigError e = CaptureConfigError([&] { Load(); });
    EXPECT_EQ(e.File(), bad);
    EXPECT_EQ(e.KeyPath(), "stop_timeout");
    EXPECT_EQ(e.Line(), 1);
}

TEST_F(ConfigMerge, ErrorFoundAfterMergeNamesTheFileTheValueCameFrom) {
    std::string main = dirs_.Write("etc/web.toml", std::string(kMain) + "\nhostname = \"web\"\n");
    dirs_.Write("etc/web.toml.d/10-no-uts.toml", "[namespaces]\nuts = false\n");
    ConfigError e = CaptureConfigError([&] { Load(); });
    EXPECT_EQ(e.File(), main);
    EXPECT_EQ(e.Line(), 3);
    EXPECT_EQ(e.KeyPath(), "hostname");
}

TEST_F(ConfigMerge, MergedUserNamespaceErrorPointsAtTheDropIn) {
    dirs_.Write("etc/web.toml", kMain);
    std::string drop_in = dirs_.Write("etc/web.toml.d/10-userns.toml", "[namespaces]\n\nuser = true\n");
    ConfigError e = CaptureConfigError([&] { Load(); });
    EXPECT_EQ(e.File(), drop_in);
    EXPECT_EQ(e.Line(), 3);
    EXPECT_EQ(e.KeyPath(), "namespaces.user");
}

TEST_F(ConfigMerge, MissingRootfsIsBlamedOnTheMainFile) {
    std::string main = dirs_.Write("etc/web.toml", "hostname = \"web\"\n");
    ConfigError e = CaptureConfigError([&] { Load(); });
    EXPECT_EQ(e.File(), main);
    EXPECT_EQ(e.Line(), 1);
    EXPECT_EQ(e.KeyPath(), "rootfs");
}

TEST(ConfigDaemon, DefaultsWithoutAnyFile) {
    TempDir dir;
    DaemonConfig config = LoadDaemonConfig({{dir.Path() + "/etc", dir.Path() + "/lib"}});
    EXPECT_EQ(config, DaemonConfig{});
    EXPECT_EQ(config.state_dir, "/run/berth");
}

TEST(ConfigDaemon, MainFileAndDropInsMerge) {
    TempDir dir;
    dir.Write("lib/berthd.toml", "state_dir = \"/var/lib/berth\"\ncgroup_driver = \"cgroupfs\"\n");
    dir.Write("etc/berthd.toml", "state_dir = \"/srv/berth\"\njob_timeout = \"1min\"\n");
    dir.Write("lib/berthd.toml.d/10-criu.toml", "criu_path = \"/opt/berth/criu/bin/criu\"\n");
    DaemonConfig config = LoadDaemonConfig({{dir.Path() + "/etc", dir.Path() + "/lib"}});
    EXPECT_EQ(config.state_dir, "/srv/berth");
    EXPECT_EQ(config.cgroup_driver, "auto");  // lib's main file is masked by etc's
    EXPECT_EQ(config.job_timeout, std::chrono::minutes(1));
    EXPECT_EQ(config.criu_path, "/opt/berth/criu/bin/criu");
}

TEST(ConfigDaemon, DropInsApplyWithoutMainFile) {
    TempDir dir;
    dir.Write("etc/berthd.toml.d/10.toml", "log_dir = \"/srv/log\"\n");
    EXPECT_EQ(LoadDaemonConfig({{dir.Path() + "/etc"}}).log_dir, "/srv/log");
}

TEST(ConfigDaemon, BadValuesAreLocated) {
    TempDir dir;
    std::string file = dir.Write("etc/berthd.toml", "state_dir = \"/run/berth\"\ncgroup_driver = \"v3\"\n");
    ConfigError e = CaptureConfigError([&] { LoadDaemonConfig({{dir.Path() + "/etc"}}); });
    EXPECT_EQ(e.File(), file);
    EXPECT_EQ(e.Line(), 2);
    EXPECT_EQ(e.KeyPath(), "cgroup_driver");
    std::string file2 = dir.Write("lib/berthd.toml.d/1.toml", "\njob_timeout = \"0s\"\n");
    ConfigError e2 = CaptureConfigError([&] { LoadDaemonConfigFiles({file2}); });
    EXPECT_EQ(e2.Line(), 2);
    EXPECT_EQ(e2.KeyPath(), "job_timeout");
    std::string file3 = dir.Write("lib/x.toml", "log_dri = \"/x\"\n");
    EXPECT_EQ(CaptureConfigError([&] { LoadDaemonConfigFiles({file3}); }).KeyPath(), "log_dri");
}

}  // namespace
}  // namespace berth::config
