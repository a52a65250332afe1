// Berth's checkpoint descriptor survives a write/read round trip; malformed ones are named errors.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "checkpoint/archive.hpp"
#include "checkpoint/criu_log.hpp"
#include "checkpoint/descriptor.hpp"
#include "checkpoint/external_mounts.hpp"
#include "checkpoint/rootfs_diff.hpp"
#include "checkpoint/tmpfs_nodes.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::checkpoint {
namespace {

class TempDir {
public:
    TempDir() {
        char pattern[] = "/tmp/berth-checkpoint-unit-XXXXXX";
        path_ = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::string& Path() const { return path_; }

private:
    std::string path_;
};

Descriptor SampleDescriptor() {
    Descriptor d;
    d.container = "web";
    d.config_toml = "rootfs = \"/srv/web\"\n\n[process]\nargs = [\"/bin/sh\", \"-c\", \"echo \\\"hi\\\"\"]\n";
    d.netns_path = "/run/netns/berth-test";
    d.netns_inode = 4026532841ULL;
    d.external_netns = true;
    d.criu_version = {4, 2, 1, 0, "v4.2.1"};
    d.created = "2026-11-23T05:50:00Z";
    d.flags.tcp_established = true;
    d.flags.file_locks = true;
    d.external_mounts = {{"/data", "/srv/data"}, {"/proc/kcore", "/dev/null"}};
    d.stdio = {"file[2a:5]", "pipe:[1234]", "pipe:[1234]"};
    d.stdio_paths = {"/dev/null", "pipe:[1234]", "pipe:[1234]"};
    return d;
}

TEST(CheckpointDescriptor, RoundTripsThroughText) {
    Descriptor d = SampleDescriptor();
    EXPECT_EQ(ParseDescriptor(FormatDescriptor(d), "test"), d);
}

TEST(CheckpointDescriptor, RoundTripsWithoutNetns) {
    Descriptor d = SampleDescriptor();
    d.netns_path.reset();
    d.netns_inode = 0;
    d.external_netns = false;
    d.external_mounts.clear();
    EXPECT_EQ(ParseDescriptor(FormatDescriptor(d), "test"), d);
}

TEST(CheckpointDescriptor, RoundTripsAnEmptyNetns) {
    Descriptor d = SampleDescriptor();
    d.netns_path.reset();
    d.netns_inode = 0;
    d.external_netns = false;
    d.empty_netns = true;
    std::string text = FormatDescriptor(d);
    EXPECT_NE(text.find("empty_netns = true"), std::string::npos) << text;
    EXPECT_EQ(ParseDescriptor(text, "test"), d);
}

TEST(CheckpointDescriptor, EmptyNetnsWithANetnsPathIsMalformed) {
    std::string text = FormatDescriptor(SampleDescriptor());
    text.replace(text.find("external_netns = true"), std::string("external_netns = true").size(),
                 "external_netns = true\nempty_netns = true");
    try {
        ParseDescriptor(text, "x");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("empty_netns"), std::string::npos) << e.what();
    }
}

TEST(CheckpointDescriptor, RoundTripsThroughImageDirectory) {
    TempDir dir;
    Descriptor d = SampleDescriptor();
    WriteDescriptor(dir.Path(), d);
    EXPECT_TRUE(PathExists(dir.Path() + "/" + kDescriptorFile));
    EXPECT_EQ(ReadDescriptor(dir.Path()), d);
}

TEST(CheckpointDescriptor, MissingDescriptorNamesThePath) {
    TempDir dir;
    try {
        ReadDescriptor(dir.Path());
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(dir.Path() + "/" + kDescriptorFile), std::string::npos) << e.what();
        EXPECT_EQ(e.Errno(), ENOENT);
    }
}

TEST(CheckpointDescriptor, MalformedDescriptorNamesTheKey) {
    std::string text = FormatDescriptor(SampleDescriptor());
    text.replace(text.find("container = "), std::string("container = ").size(), "container = 7 #");
    try {
        ParseDescriptor(text, "/img/berth-checkpoint.toml");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("/img/berth-checkpoint.toml"), std::string::npos) << what;
        EXPECT_NE(what.find("container"), std::string::npos) << what;
    }
}

TEST(CheckpointDescriptor, UnknownFormatIsRejected) {
    std::string text = FormatDescriptor(SampleDescriptor());
    text.replace(text.find("format = 2"), 10, "format = 9");
    EXPECT_THROW(ParseDescriptor(text, "x"), Error);
}

// A float where an integer belongs is "not an integer", never converted (7.2e36 does not fit in an
// int64_t: converting it was undefined behaviour, found by fuzz_descriptor).
TEST(CheckpointDescriptor, AFloatWhereAnIntegerBelongsIsMalformed) {
    std::string text = FormatDescriptor(SampleDescriptor());
    for (const char* number : {"7222222222222222222222222222222222210.0", "2.0"}) {
        std::string changed = text;
        changed.replace(changed.find("format = 2"), 10, std::string("format = ") + number);
        try {
            ParseDescriptor(changed, "/img/berth-checkpoint.toml");
            ADD_FAILURE() << "expected an error for format = " << number;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("format: missing or not an integer"), std::string::npos) << e.what();
        }
    }
}

TEST(CheckpointDescriptor, FormatOneFromOlderBerthIsStillRead) {
    Descriptor d = SampleDescriptor();
    std::string text = FormatDescriptor(d);
    text.replace(text.find("format = 2"), 10, "format = 1");
    EXPECT_EQ(ParseDescriptor(text, "x"), d);
}

TEST(CheckpointDescriptor, RoundTripsTheParentPreDump) {
    Descriptor d = SampleDescriptor();
    d.parent = "../pre-2";
    EXPECT_EQ(ParseDescriptor(FormatDescriptor(d), "x"), d);
    EXPECT_NE(FormatDescriptor(d).find("parent = \"../pre-2\""), std::string::npos);
    EXPECT_EQ(FormatDescriptor(SampleDescriptor()).find("parent"), std::string::npos);
}

TEST(CheckpointArchive, ManifestRoundTripsAndOtherFormatsAreRefusedByName) {
    ArchiveManifest m;
    m.container = "web";
    m.created = "2026-12-03T11:00:00Z";
    m.criu_version = {4, 2, 1, 0, {}};
    ArchiveManifest back = ParseArchiveManifest(FormatArchiveManifest(m), "a.tar");
    EXPECT_EQ(back.container, "web");
    EXPECT_EQ(back.criu_version, m.criu_version);
    try {
        ParseArchiveManifest("format = 3\ncontainer = 'web'\n", "new.tar");
        ADD_FAILURE() << "format 3 was accepted";
    } catch (const ArchiveUnusable& e) {
        EXPECT_STREQ(e.what(), "Failed to import new.tar: archive format 3 is not supported (this berthctl reads "
                               "format 2; update Berth)");
    }
    // Format 1 had no cpuinfo.img to check this host against: refused, with what to do.
    try {
        ParseArchiveManifest("format = 1\ncontainer = 'web'\n", "old.tar");
        ADD_FAILURE() << "format 1 was accepted";
    } catch (const ArchiveUnusable& e) {
        EXPECT_STREQ(e.what(), "Failed to import old.tar: archive format 1 is not supported (this berthctl reads "
                               "format 2; export it again with this Berth)");
    }
    EXPECT_THROW(ParseArchiveManifest("container = 'web'\n", "x.tar"), ArchiveUnusable);
    EXPECT_THROW(ParseArchiveManifest("format = 2\n", "x.tar"), ArchiveUnusable);
    EXPECT_THROW(ParseArchiveManifest("format = [", "x.tar"), ArchiveUnusable);
}

TEST(CheckpointArchive, WrittenImagesExtractIdenticallyAndAParentLinkIsRefused) {
    std::string dir = ::testing::TempDir() + "/archive-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir + "/images");
    std::filesystem::create_directories(dir + "/out");
    WriteFileAtomic(dir + "/images/pages-1.img", std::string(3 << 20, 'p'));
    WriteFileAtomic(dir + "/images/inventory.img", "inv");
    ArchiveManifest m;
    m.container = "web";
    WriteCheckpointArchive(dir + "/images", m, dir + "/c.tar.zst");
    EXPECT_EQ(ExtractCheckpointArchive(dir + "/c.tar.zst", dir + "/out").container, "web");
    EXPECT_EQ(ReadFile(dir + "/out/pages-1.img"), std::string(3 << 20, 'p'));
    EXPECT_EQ(ReadFile(dir + "/out/inventory.img"), "inv");
    EXPECT_FALSE(std::filesystem::exists(dir + "/c.tar.zst.partial"));
    std::filesystem::create_directory_symlink("../pre", dir + "/images/parent");
    EXPECT_THROW(WriteCheckpointArchive(dir + "/images", m, dir + "/d.tar"), Error);
    EXPECT_FALSE(std::filesystem::exists(dir + "/d.tar"));
    std::filesystem::remove_all(dir);
}

// A rootfs changed after its baseline: a file written, one added in a new directory, a symlink,
// one deleted, a directory renamed (its old entries deleted, its new ones added).
TEST(CheckpointRootfsDiff, ChangesSinceTheBaselineTravelAndApplyOntoAFreshCopy) {
    TempDir t;
    namespace fs = std::filesystem;
    const std::string rootfs = t.Path() + "/rootfs";
    fs::create_directories(rootfs + "/etc");
    fs::create_directories(rootfs + "/old/sub");
    WriteFileAtomic(rootfs + "/etc/kept", "kept");
    WriteFileAtomic(rootfs + "/etc/written", "before");
    WriteFileAtomic(rootfs + "/etc/deleted", "gone soon");
    WriteFileAtomic(rootfs + "/old/sub/f", "moves");
    fs::copy(rootfs, t.Path() + "/fresh", fs::copy_options::recursive);
    // The baseline's time is the coarse clock's, a file's ctime may be finer (multigrain
    // timestamps): what was written in the same tick would count as changed (on the safe side,
    // but not what this test asserts). A pause puts the files written before it a tick earlier.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    RootfsBaseline baseline = TakeRootfsBaseline(rootfs);
    EXPECT_EQ(baseline.paths, (std::vector<std::string>{"etc", "etc/deleted", "etc/kept", "etc/written", "old",
                                                        "old/sub", "old/sub/f"}));
    RootfsBaseline back = ParseRootfsBaseline(FormatRootfsBaseline(baseline), "b");
    EXPECT_EQ(back.paths, baseline.paths);
    EXPECT_EQ(back.since.tv_sec, baseline.since.tv_sec);
    EXPECT_EQ(back.since.tv_nsec, baseline.since.tv_nsec);

    WriteFile(rootfs + "/etc/written", "after");
    fs::create_directories(rootfs + "/var/lib");
    WriteFileAtomic(rootfs + "/var/lib/new", "new");
    ::chmod((rootfs + "/var/lib/new").c_str(), 0640);
    fs::create_symlink("../etc/kept", rootfs + "/var/link");
    fs::remove(rootfs + "/etc/deleted");
    fs::rename(rootfs + "/old", rootfs + "/moved");
    RootfsDiff diff = DiffRootfs(rootfs, baseline);
    EXPECT_EQ(diff.deleted, (std::vector<std::string>{"etc/deleted", "old", "old/sub", "old/sub/f"}));
    for (const char* changed : {"etc/written", "var", "var/lib", "var/lib/new", "var/link", "moved", "moved/sub",
                                "moved/sub/f"})
        EXPECT_NE(std::find(diff.changed.begin(), diff.changed.end(), changed), diff.changed.end()) << changed;
    EXPECT_EQ(std::find(diff.changed.begin(), diff.changed.end(), "etc/kept"), diff.changed.end());

    fs::create_directories(t.Path() + "/images");
    fs::create_directories(t.Path() + "/out");
    WriteFileAtomic(t.Path() + "/images/inventory.img", "inv");
    ArchiveManifest m;
    m.container = "web";
    RootfsExport changes{rootfs, baseline, diff};
    WriteCheckpointArchive(t.Path() + "/images", m, t.Path() + "/c.tar", &changes);
    ArchiveManifest read = ExtractCheckpointArchive(t.Path() + "/c.tar", t.Path() + "/out");
    EXPECT_TRUE(read.rootfs_diff);
    EXPECT_EQ(read.rootfs_entries, diff.changed.size());
    EXPECT_EQ(ParsePathList(ReadFile(t.Path() + "/out/" + kArchiveRootfsDeleted)), diff.deleted);
    EXPECT_EQ(ParseRootfsBaseline(ReadFile(t.Path() + "/out/" + kRootfsBaselineFile), "b").paths, baseline.paths);
    // Extraction only checks the rootfs entries: nothing of them lands beside the images.
    EXPECT_FALSE(fs::exists(t.Path() + "/out/rootfs"));

    const std::string fresh = t.Path() + "/fresh";
    RemoveFromRootfs(fresh, diff.deleted);
    ApplyArchiveRootfs(t.Path() + "/c.tar", fresh);
    EXPECT_EQ(ReadFile(fresh + "/etc/written"), "after");
    EXPECT_EQ(ReadFile(fresh + "/var/lib/new"), "new");
    EXPECT_EQ(fs::status(fresh + "/var/lib/new").permissions(), fs::perms(0640));
    EXPECT_EQ(fs::read_symlink(fresh + "/var/link"), "../etc/kept");
    EXPECT_EQ(ReadFile(fresh + "/moved/sub/f"), "moves");
    EXPECT_FALSE(fs::exists(fresh + "/etc/deleted"));
    EXPECT_FALSE(fs::exists(fresh + "/old"));
    EXPECT_EQ(ReadFile(fresh + "/etc/kept"), "kept");
    EXPECT_EQ(TakeRootfsBaseline(fresh).paths, TakeRootfsBaseline(rootfs).paths);

    // A flipped byte in a rootfs file's data is found before anything is applied.
    std::string data = ReadFile(t.Path() + "/c.tar");
    size_t at = data.find("after");
    ASSERT_NE(at, std::string::npos);
    data[at] = 'A';
    WriteFileAtomic(t.Path() + "/flipped.tar", data);
    fs::create_directories(t.Path() + "/out2");
    try {
        ExtractCheckpointArchive(t.Path() + "/flipped.tar", t.Path() + "/out2");
        ADD_FAILURE() << "a corrupted rootfs entry was accepted";
    } catch (const ArchiveUnusable& e) {
        EXPECT_NE(std::string(e.what()).find("rootfs/etc/written is corrupted"), std::string::npos) << e.what();
    }
}

TEST(CheckpointRootfsDiff, RemovalStaysInsideTheRootfs) {
    TempDir t;
    namespace fs = std::filesystem;
    fs::create_directories(t.Path() + "/rootfs");
    fs::create_directories(t.Path() + "/outside");
    WriteFileAtomic(t.Path() + "/outside/precious", "x");
    fs::create_directory_symlink(t.Path() + "/outside", t.Path() + "/rootfs/escape");
    RemoveFromRootfs(t.Path() + "/rootfs", {"escape/precious"});
    EXPECT_TRUE(fs::exists(t.Path() + "/outside/precious"));
    EXPECT_THROW(RemoveFromRootfs(t.Path() + "/rootfs", {"../outside/precious"}), Error);
    EXPECT_TRUE(fs::exists(t.Path() + "/outside/precious"));
    EXPECT_FALSE(IsPlainRelativePath("a/./b"));
    EXPECT_TRUE(IsPlainRelativePath("a/b"));
}

TEST(CheckpointExternalMounts, ParsesMountInfoWithEscapes) {
    auto entries = ParseMountInfo(
        "36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
        "37 35 0:5 /null /proc/kcore rw - devtmpfs udev rw\n");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].id, 36);
    EXPECT_EQ(entries[0].root, "/mnt1");
    EXPECT_EQ(entries[0].mount_point, "/mnt two");
    EXPECT_EQ(entries[0].fs_type, "ext3");
    EXPECT_EQ(entries[1].fs_type, "devtmpfs");
}

TEST(CheckpointExternalMounts, BindsMaskedFilesAndDevicesThatAreMounted) {
    config::ContainerConfig cfg;
    cfg.mounts = {{"/srv/data", "/data", "bind", {"rbind", "ro"}},
                  {"tmpfs", "/tmp", "tmpfs", {}},
                  {"/srv/other", "/other", "none", {"bind"}},
                  {"/srv/absent", "/absent", "bind", {}}};
    cfg.masked_paths = {"/proc/kcore", "/proc/acpi", "/sys/firmware", "/proc/not-mounted"};
    config::DeviceConfig null_device;
    null_device.path = "/dev/null";
    config::DeviceConfig zero_device;
    zero_device.path = "/dev/zero";
    cfg.devices = {null_device, zero_device};
    std::vector<MountInfoEntry> mounts = {
        {1, "/srv/data", "/data", "ext4"},   {2, "/", "/tmp", "tmpfs"},
        {3, "/srv/other", "/other", "ext4"}, {4, "/null", "/proc/kcore", "devtmpfs"},
        {5, "/", "/proc/acpi", "tmpfs"},     {6, "/null", "/dev/null", "devtmpfs"},
        {7, kEmptyMaskDirectory, "/sys/firmware", "ext4"},  // masked again after a restore
        {8, "/berth.empty", "/proc/scsi", "tmpfs"},       // the same where /run is a tmpfs of its own
    };
    cfg.masked_paths.push_back("/proc/scsi");
    std::set<std::string> directories = {"/proc/acpi", "/sys/firmware", "/proc/scsi"};
    std::vector<ExternalMount> expected = {
        {"/data", "/srv/data"},
        {"/other", "/srv/other"},
        {"/proc/kcore", "/dev/null"},
        {"/proc/acpi", kEmptyMaskDirectory},
        {"/sys/firmware", kEmptyMaskDirectory},
        {"/proc/scsi", kEmptyMaskDirectory},
        {"/dev/null", "/dev/null"}};
    EXPECT_EQ(ExternalMountsOf(cfg, mounts, [&](const std::string& path) { return directories.count(path) > 0; }),
              expected);
}

TEST(CheckpointExternalMounts, ListableTmpfsBecomesAFreshTmpfsWithItsNodes) {
    std::vector<MountInfoEntry> mounts = ParseMountInfo(
        "1 0 8:1 /rootfs / rw - ext4 /dev/sda1 rw\n"
        "2 1 0:50 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
        "3 2 0:52 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k\n"
        "4 1 0:53 / /tmp rw - tmpfs tmpfs rw\n"
        "5 1 0:54 / /proc/acpi ro,relatime - tmpfs tmpfs ro\n"
        "6 1 0:55 / /run rw - tmpfs tmpfs rw\n"
        "7 1 0:56 / /var rw - tmpfs tmpfs rw\n"
        "8 1 0:57 / /var rw - tmpfs tmpfs rw\n");
    ASSERT_EQ(mounts.size(), 8u);
    EXPECT_EQ(mounts[2].options, "rw,nosuid,nodev,noexec,relatime");
    EXPECT_EQ(mounts[2].super_options, "rw,size=65536k");
    std::vector<ExternalMount> known = {{"/proc/acpi", kEmptyMaskDirectory}};
    std::vector<TmpfsNode> dev_nodes = {{"pts", 'd', 0755}, {"null", 'c', 0666, 0, 0, makedev(1, 3)},
                                        {"fd", 'l', 0777, 0, 0, 0, "/proc/self/fd"}};
    // /tmp holds file data (not listable), /proc/acpi is already external, /var is stacked.
    std::map<std::string, std::vector<TmpfsNode>> listable = {
        {"/dev", dev_nodes}, {"/dev/shm", {}}, {"/proc/acpi", {}}, {"/run", {}}, {"/var", {}}};
    std::vector<ExternalMount> expected = {
        {"/dev", "tmpfs:rw,nosuid,rw,size=65536k,mode=755", dev_nodes},
        {"/dev/shm", "tmpfs:rw,nosuid,nodev,noexec,relatime,rw,size=65536k"},
        {"/run", "tmpfs:rw,rw"},
    };
    EXPECT_EQ(RecreatableTmpfsMountsOf(mounts, known,
                                       [&](const std::string& path) -> std::optional<std::vector<TmpfsNode>> {
                                           auto it = listable.find(path);
                                           if (it == listable.end())
                                               return std::nullopt;
                                           return it->second;
                                       }),
              expected);

    TmpfsMountArguments shm = ParseFreshTmpfsSource(expected[1].source);
    EXPECT_EQ(shm.flags, static_cast<unsigned long>(MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME));
    EXPECT_EQ(shm.data, "size=65536k");
    EXPECT_EQ(ParseFreshTmpfsSource("tmpfs:ro,mode=1777,size=1m").flags, static_cast<unsigned long>(MS_RDONLY));
    EXPECT_EQ(ParseFreshTmpfsSource("tmpfs:ro,mode=1777,size=1m").data, "mode=1777,size=1m");
}

TEST(CheckpointDescriptor, RoundTripsTmpfsNodes) {
    Descriptor d = SampleDescriptor();
    d.external_mounts.push_back({"/dev", "tmpfs:rw,nosuid,mode=755",
                                 {{"pts", 'd', 0755, 0, 0, 0, "", 1700000000, 5},
                                  {"null", 'c', 0666, 0, 5, makedev(1, 3), "", 1700000001, 0},
                                  {"fd", 'l', 0777, 0, 0, 0, "/proc/self/fd", 1700000002, 7},
                                  {"pts/mnt", 'f', 0644, 1000, 1000, 0, "", 0, 0}}});
    EXPECT_EQ(ParseDescriptor(FormatDescriptor(d), "test"), d);
}

TEST(CheckpointDescriptor, TmpfsNodeOutsideTheMountIsMalformed) {
    Descriptor d = SampleDescriptor();
    d.external_mounts.push_back({"/dev", "tmpfs:rw", {{"../../etc/evil", 'f', 0644}}});
    try {
        ParseDescriptor(FormatDescriptor(d), "x");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("nodes[0].path"), std::string::npos) << e.what();
    }
}

TEST(CheckpointDescriptor, TmpfsNodeBelowASymlinkIsMalformed) {
    Descriptor d = SampleDescriptor();
    // "up" -> "/" followed by "up/etc/evil" would leave the tmpfs through the symlink.
    d.external_mounts.push_back({"/dev", "tmpfs:rw", {{"up", 'l', 0777, 0, 0, 0, "/"}, {"up/etc", 'd', 0755}}});
    try {
        ParseDescriptor(FormatDescriptor(d), "x");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("nodes[1].path"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("not a directory listed before it"), std::string::npos) << e.what();
    }
}

// A listed directory is rebuilt with the same kinds, modes, owners, device numbers, targets, times.
TEST(CheckpointTmpfsNodes, ListedTreeIsRebuiltTheSame) {
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root (mknod, chown)";
    TempDir dir;
    const std::string src = dir.Path() + "/src", dst = dir.Path() + "/dst";
    ASSERT_EQ(::mkdir(src.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((src + "/pts").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((src + "/shm").c_str(), 01777), 0);
    ASSERT_EQ(::chmod((src + "/shm").c_str(), 01777), 0);
    ASSERT_EQ(::mknod((src + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
    ASSERT_EQ(::chmod((src + "/null").c_str(), 0666), 0);
    ASSERT_EQ(::symlink("/proc/self/fd", (src + "/fd").c_str()), 0);
    ASSERT_EQ(::mknod((src + "/pts/mountpoint").c_str(), S_IFREG | 0640, 0), 0);
    ASSERT_EQ(::chown((src + "/pts/mountpoint").c_str(), 1000, 1001), 0);

    std::optional<std::vector<TmpfsNode>> nodes = ListTmpfsNodes(src);
    ASSERT_TRUE(nodes);
    ASSERT_EQ(nodes->size(), 6u);  // with the root, "."
    ASSERT_EQ(::mkdir(dst.c_str(), 0755), 0);
    int fd = ::open(dst.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const char* failed = CreateTmpfsNodes(fd, *nodes);
    ::close(fd);
    ASSERT_EQ(failed, nullptr) << failed << ": " << strerror(errno);
    std::optional<std::vector<TmpfsNode>> rebuilt = ListTmpfsNodes(dst);
    ASSERT_TRUE(rebuilt);
    std::sort(nodes->begin(), nodes->end(), [](auto& a, auto& b) { return a.path < b.path; });
    std::sort(rebuilt->begin(), rebuilt->end(), [](auto& a, auto& b) { return a.path < b.path; });
    EXPECT_EQ(*rebuilt, *nodes);
}

TEST(CheckpointTmpfsNodes, FileDataOrTooManyEntriesAreNotListed) {
    TempDir dir;
    const std::string src = dir.Path() + "/src";
    ASSERT_EQ(::mkdir(src.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((src + "/a").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((src + "/b").c_str(), 0755), 0);
    EXPECT_TRUE(ListTmpfsNodes(src));
    EXPECT_FALSE(ListTmpfsNodes(src, 1));
    int fd = ::open((src + "/a/data").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "x", 1), 1);
    ::close(fd);
    EXPECT_FALSE(ListTmpfsNodes(src));
}

TEST(CheckpointCriuLog, ExcerptPrefersErrorLines) {
    TempDir dir;
    std::string log = dir.Path() + "/dump.log";
    WriteFileAtomic(log,
              "(00.001) Version: 4.2\n(00.002) Error (criu/mount.c:1): mnt: 42:./data doesn't have a proper root\n"
              "(00.003) Dumping finished with failure\n(00.004) Error (criu/cr-dump.c:2): Dumping FAILED.\n"
              "(00.005) Unlock network\n");
    std::string excerpt = CriuLogExcerpt(log);
    EXPECT_NE(excerpt.find("doesn't have a proper root"), std::string::npos) << excerpt;
    EXPECT_NE(excerpt.find("Dumping FAILED"), std::string::npos) << excerpt;
    EXPECT_EQ(excerpt.find("Unlock network"), std::string::npos) << excerpt;
}

TEST(CheckpointCriuLog, FailureNamesRequestErrnoAndLog) {
    TempDir dir;
    std::string log = dir.Path() + "/restore.log";
    WriteFileAtomic(log, "(00.1) Error (criu/net.c:9): net: Can't find ext netns\n");
    rpc::criu_resp resp;
    resp.set_type(rpc::RESTORE);
    resp.set_success(false);
    resp.set_cr_errno(ENOENT);
    resp.set_cr_errmsg("Can't find ext netns");
    try {
        ThrowCriuFailure("restore container web", resp, log);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("Failed to restore container web: CRIU RESTORE failed"), std::string::npos) << what;
        EXPECT_NE(what.find("errno 2"), std::string::npos) << what;
        EXPECT_NE(what.find(log), std::string::npos) << what;
        EXPECT_NE(what.find("net: Can't find ext netns"), std::string::npos) << what;
    }
}

TEST(CheckpointCriuLog, FailureLeadsWithTheRealCauseNotTheRlimitByproduct) {
    TempDir dir;
    std::string log = dir.Path() + "/restore.log";
    WriteFileAtomic(log,
                    "(00.021606) Error (criu/util.c:1534): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not "
                    "permitted\nError: ipv4: Address already assigned.\n"
                    "(00.644993)      1: Error (criu/mount-v2.c:319): mnt-v2: Failed to open_tree /run/berth.empty: "
                    "No such file or directory\n(00.649007) Error (criu/cr-restore.c:2331): Restoring FAILED.\n");
    EXPECT_EQ(CriuLogCause(log), "mnt-v2: Failed to open_tree /run/berth.empty: No such file or directory");
    rpc::criu_resp resp;
    resp.set_type(rpc::RESTORE);
    resp.set_success(false);
    resp.set_cr_errmsg("rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted");
    try {
        ThrowCriuFailure("restore container web", resp, log);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        std::string what = e.what();
        std::string first_line = what.substr(0, what.find('\n'));
        EXPECT_NE(first_line.find("CRIU RESTORE failed: mnt-v2: Failed to open_tree /run/berth.empty"),
                  std::string::npos)
            << what;
        EXPECT_EQ(first_line.find("RLIMIT_NOFILE"), std::string::npos) << what;
    }
}

}  // namespace
}  // namespace berth::checkpoint
