// FormatContainerConfig prints TOML that reads back to an equal configuration (state files and
// show-config rely on it).
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>

#include <functional>
#include <utility>
#include <vector>

#include "config/container_keys.hpp"
#include "config/defaults.hpp"
#include "config/loader.hpp"
#include "config/seccomp_profile.hpp"
#include "config_test_support.hpp"

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
    testing::TempDir dir;
    const std::string profile = dir.Write("web-seccomp.toml", "[[syscalls]]\nnames = [\"mkdir\"]\naction = \"errno\"\n");
    std::string text = R"(
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
profile = "PROFILE"

[resources]
memory_max = "512M"
memory_high = 10000000
memory_swap_max = "1.5G"
cpu_weight = 200
cpu_quota = "150%"
tasks_max = 64
io_weight = 50
allowed_cpus = "0-1"
memory_low = "64M"
memory_swappiness = 10
allowed_mems = "0"
hugepages_max = { "2MB" = "32M" }
unified = { "memory.oom.group" = "1" }
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
    text.replace(text.find("PROFILE"), 7, profile);
    ContainerConfig config = ParseContainerConfigString("web", text, "web.toml");
    // Spot checks that the input was read as meant, then the round trip.
    EXPECT_TRUE(config.rootfs_readonly);
    EXPECT_EQ(config.stop_timeout, std::chrono::seconds(90));
    EXPECT_EQ(config.process.args[2], "echo \"hi\" \\ there\tx");
    EXPECT_EQ(config.capabilities.bounding.Mask(), (1ULL << CAP_NET_ADMIN) | (1ULL << CAP_CHOWN));
    EXPECT_EQ(config.seccomp.mode, SeccompMode::Profile);
    ASSERT_EQ(config.seccomp.profile.rules.size(), 1u);
    ASSERT_TRUE(config.resources.memory_swap_max);
    EXPECT_EQ(config.resources.memory_swap_max->bytes, 3ULL << 29);
    EXPECT_EQ(config.resources.devices[1], (DeviceRule{true, 'c', 1, std::nullopt, "rw"}));
    EXPECT_EQ(config.resources.hugepage_limits.at("2MB").bytes, 32ULL << 20);
    EXPECT_EQ(config.resources.unified.at("memory.oom.group"), "1");
    EXPECT_EQ(config.rlimits.back(), (Rlimit{RLIMIT_NPROC, 512, 512}));
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
    config.seccomp.mode = SeccompMode::Unconfined;
    config.hostname = "";
    config.stop_timeout = std::chrono::milliseconds(1500);
    config.notify = "container";
    config.time_namespace = {true, -3600, 100};
    config.cgroup_mount = "rw";
    ContainerConfig back = RoundTrip(config);
    EXPECT_EQ(back.seccomp.mode, SeccompMode::Unconfined);
    EXPECT_FALSE(back.resources.memory_max.has_value());
    EXPECT_EQ(back.stop_timeout, std::chrono::milliseconds(1500));
    EXPECT_EQ(back.notify, "container") << "a key the formatter drops is lost for later processes";
    EXPECT_EQ(back.time_namespace, config.time_namespace);
    EXPECT_EQ(back.cgroup_mount, "rw");
    EXPECT_EQ(back, config);
}

TEST(ConfigFormat, MaxUndoesALimit) {
    ContainerConfig config = ParseContainerConfigString(
        "x", "rootfs = \"/r\"\n[resources]\nmemory_max = \"max\"\ntasks_max = \"max\"\ncpu_quota = \"max\"\n", "x.toml");
    EXPECT_FALSE(config.resources.memory_max.has_value());
    EXPECT_FALSE(config.resources.tasks_max.has_value());
    EXPECT_FALSE(config.resources.cpu_quota.has_value());
}


// The number of fields of an aggregate: how many values brace-initialize it.
struct AnyField {
    template <typename T>
    operator T&() const;
};
template <typename T, typename... Fields>
constexpr size_t FieldCount(Fields... fields) {
    if constexpr (requires { T{fields..., AnyField{}}; })
        return FieldCount<T>(fields..., AnyField{});
    else
        return sizeof...(Fields);
}

// One field of the model changed away from its default.
template <typename Section>
using Mutations = std::vector<std::pair<const char*, std::function<void(Section&)>>>;

// A section's mutations as mutations of the whole configuration.
template <typename Section>
Mutations<ContainerConfig> Within(Section ContainerConfig::*section, const Mutations<Section>& mutations) {
    Mutations<ContainerConfig> out;
    for (const auto& [field, mutate] : mutations)
        out.push_back({field, [section, mutate](ContainerConfig& c) { mutate(c.*section); }});
    return out;
}

// Each mutation alone: it changes the configuration, and the change survives format -> parse.
void ExpectEachRoundTrips(const ContainerConfig& base, const Mutations<ContainerConfig>& mutations) {
    for (const auto& [field, mutate] : mutations) {
        ContainerConfig changed = base;
        mutate(changed);
        EXPECT_NE(changed, base) << field << ": the mutation changes nothing";
        EXPECT_EQ(RoundTrip(changed), changed) << field << " is lost by format or schema:\n"
                                               << FormatContainerConfig(changed);
    }
}

TEST(ConfigFormat, EveryFieldOfTheModelRoundTrips) {
    testing::TempDir dir;
    const std::string profile = dir.Write("p.toml", "[[syscalls]]\nnames = [\"mkdir\"]\naction = \"errno\"\n");
    ContainerConfig base = DefaultContainerConfig();
    base.name = "web";
    base.rootfs = "/srv/web";
    auto user_namespace = [](ContainerConfig& c, uint32_t host) {
        c.namespaces.push_back({NamespaceKind::User, std::nullopt});
        c.uid_mappings = {{0, host, 65536}};
        c.gid_mappings = {{0, host + 1, 65536}};
    };
    const Mutations<ContainerConfig> top = {
        {"rootfs", [](ContainerConfig& c) { c.rootfs = "/srv/other"; }},
        {"rootfs_readonly", [](ContainerConfig& c) { c.rootfs_readonly = true; }},
        {"hostname", [](ContainerConfig& c) { c.hostname = "web.example"; }},
        {"process", [](ContainerConfig& c) { c.process.cwd = "/srv"; }},
        {"namespaces", [](ContainerConfig& c) { std::erase_if(c.namespaces, [](auto& n) { return n.kind == NamespaceKind::Ipc; }); }},
        {"mounts", [](ContainerConfig& c) { c.mounts.push_back({"/srv/data", "/data", "bind", {"rbind", "ro"}}); }},
        {"devices", [](ContainerConfig& c) { c.devices.push_back({"/dev/fuse", 'c', 10, 229, 0600, 1, 2}); }},
        {"masked_paths", [](ContainerConfig& c) { c.masked_paths.push_back("/proc/x"); }},
        {"readonly_paths", [](ContainerConfig& c) { c.readonly_paths.push_back("/proc/y"); }},
        {"capabilities", [](ContainerConfig& c) { c.capabilities.ambient.Add(CAP_SYS_ADMIN); }},
        {"rlimits", [](ContainerConfig& c) { c.rlimits.push_back({RLIMIT_NPROC, 10, 20}); }},
        {"uid_mappings", [&](ContainerConfig& c) { user_namespace(c, 100000); }},
        {"gid_mappings", [&](ContainerConfig& c) { user_namespace(c, 200000); }},
        {"seccomp", [&](ContainerConfig& c) { c.seccomp = LoadSeccompProfile(profile); }},
        {"resources", [](ContainerConfig& c) { c.resources.tasks_max = 64; }},
        {"checkpoint", [](ContainerConfig& c) { c.checkpoint.shell_job = true; }},
        {"stop_timeout", [](ContainerConfig& c) { c.stop_timeout = std::chrono::seconds(90); }},
        {"notify", [](ContainerConfig& c) { c.notify = "container"; }},
        {"time_namespace", [](ContainerConfig& c) { c.time_namespace = {true, -5, 7}; }},
        {"cgroup_mount", [](ContainerConfig& c) { c.cgroup_mount = "ro"; }},
    };
    // No TOML key: the unit's file name, and what only the OCI runtime sets.
    const std::vector<const char*> unkeyed = {"name", "domainname", "rootfs_propagation", "personality", "sysctl",
                                              "cgroup_location"};
    EXPECT_EQ(top.size() + unkeyed.size(), FieldCount<ContainerConfig>())
        << "ContainerConfig has a field this test does not know: give it a key (schema, formatter) and a mutation here";
    ExpectEachRoundTrips(base, top);

    const Mutations<ProcessConfig> process = {
        {"args", [](ProcessConfig& p) { p.args = {"/bin/echo", "a b", "\"q\""}; }},
        {"env", [](ProcessConfig& p) { p.env.push_back("A=1"); }},
        {"cwd", [](ProcessConfig& p) { p.cwd = "/tmp"; }},
        {"uid", [](ProcessConfig& p) { p.uid = 1000; }},
        {"gid", [](ProcessConfig& p) { p.gid = 1001; }},
        {"additional_gids", [](ProcessConfig& p) { p.additional_gids = {5, 6}; }},
        {"no_new_privileges", [](ProcessConfig& p) { p.no_new_privileges = false; }},
        {"terminal", [](ProcessConfig& p) { p.terminal = true; }},
    };
    EXPECT_EQ(process.size() + 1 /* umask: OCI only */, FieldCount<ProcessConfig>())
        << "ProcessConfig has a field this test does not know: give it a key and a mutation here";
    ExpectEachRoundTrips(base, Within(&ContainerConfig::process, process));

    const Mutations<Resources> resources = {
        {"memory_max", [](Resources& r) { r.memory_max = ByteSize{512ULL << 20}; }},
        {"memory_high", [](Resources& r) { r.memory_high = ByteSize{256ULL << 20}; }},
        {"memory_swap_max", [](Resources& r) { r.memory_swap_max = ByteSize{1ULL << 30}; }},
        {"cpu_weight", [](Resources& r) { r.cpu_weight = 200; }},
        {"cpu_quota", [](Resources& r) { r.cpu_quota = CpuQuota{150}; }},
        {"tasks_max", [](Resources& r) { r.tasks_max = 64; }},
        {"io_weight", [](Resources& r) { r.io_weight = 50; }},
        {"allowed_cpus", [](Resources& r) { r.allowed_cpus = "0"; }},
        {"devices", [](Resources& r) { r.devices.push_back({true, 'c', 10, 229, "rw"}); }},
        {"memory_low", [](Resources& r) { r.memory_low = ByteSize{64ULL << 20}; }},
        {"memory_swappiness", [](Resources& r) { r.memory_swappiness = 0; }},
        {"allowed_mems", [](Resources& r) { r.allowed_mems = "0"; }},
        {"oom_kill_disable", [](Resources& r) { r.oom_kill_disable = true; }},
        {"hugepage_limits", [](Resources& r) { r.hugepage_limits = {{"2MB", {16ULL << 20}}, {"1GB", {0}}}; }},
        {"unified", [](Resources& r) { r.unified = {{"memory.oom.group", "1"}, {"cgroup.max.descendants", "3"}}; }},
    };
    EXPECT_EQ(resources.size(), FieldCount<Resources>())
        << "Resources has a field this test does not know: give it a row in ResourceKeys() and a mutation here";
    EXPECT_EQ(ResourceKeys().size(), FieldCount<Resources>()) << "one row of ResourceKeys() per field of Resources";
    ExpectEachRoundTrips(base, Within(&ContainerConfig::resources, resources));

    const Mutations<CheckpointDefaults> checkpoint = {
        {"tcp_established", [](CheckpointDefaults& c) { c.tcp_established = true; }},
        {"ext_unix_sk", [](CheckpointDefaults& c) { c.ext_unix_sk = true; }},
        {"shell_job", [](CheckpointDefaults& c) { c.shell_job = true; }},
        {"file_locks", [](CheckpointDefaults& c) { c.file_locks = true; }},
        {"manage_cgroups_mode", [](CheckpointDefaults& c) { c.manage_cgroups_mode = "strict"; }},
        {"criu_timeout", [](CheckpointDefaults& c) { c.criu_timeout = std::chrono::seconds(42); }},
    };
    EXPECT_EQ(checkpoint.size(), FieldCount<CheckpointDefaults>())
        << "CheckpointDefaults has a field this test does not know: give it a line in CheckpointKeys() and a mutation here";
    ExpectEachRoundTrips(base, Within(&ContainerConfig::checkpoint, checkpoint));
}

// A quota of 0% (D-Bus CPUQuota 0, an OCI period without a quota) means none: it is stored as
// "max", which reads back as no quota, never as the unparseable "0%".
TEST(ConfigFormat, AZeroCpuQuotaIsStoredAsMax) {
    ContainerConfig config = DefaultContainerConfig();
    config.name = "web";
    config.rootfs = "/srv/web";
    config.resources.cpu_quota = CpuQuota{0, 200000};
    EXPECT_NE(FormatContainerConfig(config).find("cpu_quota = \"max\""), std::string::npos);
    EXPECT_FALSE(RoundTrip(config).resources.cpu_quota.has_value());
}

}  // namespace
}  // namespace berth::config
