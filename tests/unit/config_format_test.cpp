// FormatContainerConfig prints TOML that reads back to an equal configuration (state files and
// show-config rely on it).
#include <gtest/gtest.h>

#include "config/defaults.hpp"
#include "config/loader.hpp"

namespace berth::config {
namespace {

ContainerConfig RoundTrip(const ContainerConfig& config) {
    return ParseContainerConfigString(config.name, FormatContainerConfig(config), "<formatted>");
}

TEST(ConfigFormat, DefaultsRoundTrip) {
    ContainerConfig config = DefaultContainerConfig();
    config.name = "web";
    config.rootfs = "/var/lib/machines/web";
    ContainerConfig back = RoundTrip(config);
    EXPECT_EQ(back, config);
    EXPECT_EQ(back.capabilities.bounding.size(), 14u);
}

TEST(ConfigFormat, EverySectionRoundTrips) {
    const char* text = R"(
rootfs = { path = "/var/lib/machines/web", readonly = true }
hostname = "web.example"
stop_timeout = "1min 30s"
masked_paths = ["/proc/kcore"]
readonly_paths = []

[process]
args = ["/bin/sh", "-c", "echo \"hi\" \\ there\tx"]
env = ["PATH=/bin", "LANG=C.UTF-8", "EMPTY="]
cwd = "/srv"
user = 1000
group = 100
additional_groups = [10, 20]
no_new_privileges = false
terminal = true

[namespaces]
net = "/run/netns/web"
ipc = false
user = true

[[uid_mappings]]
container_id = 0
host_id = 100000
size = 65536

[[gid_mappings]]
container_id = 0
host_id = 100000
size = 65536

[[mounts]]
type = "bind"
source = "/srv/data"
destination = "/data"
options = ["rbind", "ro", "rprivate"]

[[mounts]]
type = "tmpfs"
destination = "/tmp"
options = ["mode=1777", "size=64m"]

[[devices]]
path = "/dev/fuse"
type = "c"
major = 10
minor = 229
file_mode = 0o600
uid = 5
gid = 6

[capabilities]
bounding = ["CAP_NET_ADMIN", "chown"]
effective = ["net_admin"]
inheritable = []
permitted = ["net_admin", "chown"]
ambient = []

[rlimits]
nproc = 512
core = { soft = 0, hard = "unlimited" }

[seccomp]
profile = "/etc/berth/seccomp/web.json"

[resources]
memory_max = "512M"
memory_high = 10000000
memory_swap_max = "1.5G"
cpu_weight = 200
cpu_quota = "150%"
tasks_max = 64
io_weight = 50
allowed_cpus = "0-1"
devices = [
  { allow = false, type = "a" },
  { allow = true, type = "c", major = 1, minor = "*", access = "rw" },
]

[checkpoint]
tcp_established = true
ext_unix_sk = true
shell_job = true
file_locks = true
manage_cgroups_mode = "full"
)";
    ContainerConfig config = ParseContainerConfigString("web", text, "web.toml");
    // Spot checks that the input was read as meant, then the round trip.
    EXPECT_TRUE(config.rootfs_readonly);
    EXPECT_EQ(config.stop_timeout, std::chrono::seconds(90));
    EXPECT_EQ(config.process.args[2], "echo \"hi\" \\ there\tx");
    EXPECT_EQ(config.capabilities.bounding, (std::vector<std::string>{"net_admin", "chown"}));
    EXPECT_EQ(config.seccomp.mode, SeccompMode::Profile);
    ASSERT_TRUE(config.resources.memory_swap_max);
    EXPECT_EQ(config.resources.memory_swap_max->bytes, 3ULL << 29);
    EXPECT_EQ(config.resources.devices[1], (DeviceRule{true, 'c', 1, std::nullopt, "rw"}));
    EXPECT_EQ(config.rlimits.back(), (Rlimit{"nproc", 512, 512}));
    EXPECT_EQ(config.devices[0].file_mode, 0600u);
    EXPECT_EQ(config.FindNamespace(NamespaceKind::Ipc), nullptr);

    std::string formatted = FormatContainerConfig(config);
    ContainerConfig back = ParseContainerConfigString("web", formatted, "<formatted>");
    EXPECT_EQ(back, config) << formatted;
    EXPECT_EQ(FormatContainerConfig(back), formatted);
}

TEST(ConfigFormat, EmptyListsStayEmpty) {
    ContainerConfig config = DefaultContainerConfig();
    config.name = "bare";
    config.rootfs = "/r";
    config.resources.devices.clear();
    config.masked_paths.clear();
    config.capabilities = {};
    config.rlimits.clear();
    config.process.env.clear();
    ContainerConfig back = RoundTrip(config);
    EXPECT_TRUE(back.resources.devices.empty());
    EXPECT_TRUE(back.capabilities.bounding.empty());
    EXPECT_TRUE(back.process.env.empty());
    // An empty [rlimits] table leaves the defaults: formatting can't say "no limits at all".
    EXPECT_EQ(back.rlimits, DefaultContainerConfig().rlimits);
    back.rlimits.clear();
    EXPECT_EQ(back, config);
}

TEST(ConfigFormat, SeccompModesAndUnsetLimits) {
    ContainerConfig config = DefaultContainerConfig();
    config.name = "x";
    config.rootfs = "/r";
    config.seccomp = {SeccompMode::Unconfined, ""};
    config.hostname = "";
    config.stop_timeout = std::chrono::milliseconds(1500);
    config.notify = "container";
    ContainerConfig back = RoundTrip(config);
    EXPECT_EQ(back.seccomp.mode, SeccompMode::Unconfined);
    EXPECT_FALSE(back.resources.memory_max.has_value());
    EXPECT_EQ(back.stop_timeout, std::chrono::milliseconds(1500));
    EXPECT_EQ(back.notify, "container") << "a key the formatter drops is lost for later processes";
    EXPECT_EQ(back, config);
}

TEST(ConfigFormat, MaxUndoesALimit) {
    ContainerConfig config = ParseContainerConfigString(
        "x", "rootfs = \"/r\"\n[resources]\nmemory_max = \"max\"\ntasks_max = \"max\"\ncpu_quota = \"max\"\n", "x.toml");
    EXPECT_FALSE(config.resources.memory_max.has_value());
    EXPECT_FALSE(config.resources.tasks_max.has_value());
    EXPECT_FALSE(config.resources.cpu_quota.has_value());
}

}  // namespace
}  // namespace berth::config
