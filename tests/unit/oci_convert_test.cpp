// The OCI converter (src/oci): each config.json field onto the model, and each error path naming
// the JSON path of what is wrong or refused.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>

#include <string>

#include "config/seccomp_profile.hpp"
#include "launch/seccomp.hpp"
#include "config/defaults.hpp"
#include "oci/spec.hpp"
#include "util/error.hpp"

namespace berth::oci {
namespace {

using nlohmann::json;

json MinimalSpec() {
    return json::parse(R"({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs"},
        "process": {"args": ["sh"], "cwd": "/"}
    })");
}

OciContainer Convert(const json& spec) { return ConvertSpec(spec, {"c1", "/bundles/c1"}); }

// The message of the Error the conversion throws ("" when it does not throw).
std::string ErrorOf(const json& spec) {
    try {
        Convert(spec);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(OciConvert, MinimalSpecGivesRootProcessAndExtras) {
    OciContainer c = Convert(MinimalSpec());
    EXPECT_EQ(c.config.name, "c1");
    EXPECT_EQ(c.config.rootfs, "/bundles/c1/rootfs");
    EXPECT_FALSE(c.config.rootfs_readonly);
    EXPECT_EQ(c.config.process.args, std::vector<std::string>{"sh"});
    EXPECT_FALSE(c.config.process.no_new_privileges);  // OCI's default, unlike Berth's TOML
    EXPECT_TRUE(c.config.capabilities.bounding.empty());
    EXPECT_EQ(c.config.seccomp.mode, config::SeccompMode::Unconfined);
    EXPECT_EQ(c.extras.oci_version, "1.0.2");
    EXPECT_EQ(c.extras.bundle, "/bundles/c1");
}

TEST(OciConvert, AbsoluteRootAndReadonly) {
    json spec = MinimalSpec();
    spec["root"] = {{"path", "/srv/root"}, {"readonly", true}};
    OciContainer c = Convert(spec);
    EXPECT_EQ(c.config.rootfs, "/srv/root");
    EXPECT_TRUE(c.config.rootfs_readonly);
}

TEST(OciConvert, ProcessFields) {
    json spec = MinimalSpec();
    spec["process"] = json::parse(R"({
        "terminal": true, "consoleSize": {"height": 24, "width": 80},
        "user": {"uid": 1000, "gid": 100, "additionalGids": [5, 6], "umask": 18},
        "args": ["sleep", "1"], "env": ["A=1"], "cwd": "/tmp", "noNewPrivileges": true, "oomScoreAdj": 100,
        "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_KILL"],
                         "permitted": ["CAP_KILL"], "inheritable": [], "ambient": ["CAP_KILL"]},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512}]
    })");
    OciContainer c = Convert(spec);
    const config::ProcessConfig& p = c.config.process;
    EXPECT_TRUE(p.terminal);
    EXPECT_EQ(p.uid, 1000u);
    EXPECT_EQ(p.gid, 100u);
    EXPECT_EQ(p.additional_gids, (std::vector<gid_t>{5, 6}));
    EXPECT_EQ(p.env, std::vector<std::string>{"A=1"});
    EXPECT_EQ(p.cwd, "/tmp");
    EXPECT_TRUE(p.no_new_privileges);
    EXPECT_EQ(c.extras.oom_score_adj, 100);
    EXPECT_EQ(c.config.capabilities.bounding.Mask(), (1ULL << CAP_CHOWN) | (1ULL << CAP_KILL));
    EXPECT_EQ(c.config.capabilities.ambient.Mask(), 1ULL << CAP_KILL);
    ASSERT_EQ(c.config.rlimits.size(), 1u);
    EXPECT_EQ(c.config.rlimits[0].resource, RLIMIT_NOFILE);
    EXPECT_EQ(c.config.rlimits[0].soft, 512u);
    EXPECT_EQ(c.config.rlimits[0].hard, 1024u);
}

TEST(OciConvert, WrongTypesNameTheirJsonPath) {
    json spec = MinimalSpec();
    spec["process"]["args"] = json::array({"sh", "-c", 3});
    EXPECT_EQ(ErrorOf(spec), "config.json: process.args[2]: expected a string");
    spec = MinimalSpec();
    spec["process"]["terminal"] = "yes";
    EXPECT_EQ(ErrorOf(spec), "config.json: process.terminal: expected a boolean");
    spec = MinimalSpec();
    spec["linux"] = {{"uidMappings", {{{"containerID", 0}, {"hostID", -1}, {"size", 1}}}}};
    EXPECT_EQ(ErrorOf(spec), "config.json: linux.uidMappings[0].hostID: expected a non-negative integer");
    spec = MinimalSpec();
    spec["mounts"] = json::array({{{"destination", "/x"}, {"type", "tmpfs"}, {"options", "ro"}}});
    EXPECT_EQ(ErrorOf(spec), "config.json: mounts[0].options: expected an array");
}

TEST(OciConvert, MissingRequiredFieldsAreErrors) {
    json spec = MinimalSpec();
    spec.erase("ociVersion");
    EXPECT_NE(ErrorOf(spec).find("config.json: ociVersion: missing"), std::string::npos);
    spec = MinimalSpec();
    spec["process"].erase("cwd");
    EXPECT_NE(ErrorOf(spec).find("config.json: process.cwd:"), std::string::npos);
    spec = MinimalSpec();
    spec["process"]["args"] = json::array();
    EXPECT_NE(ErrorOf(spec).find("config.json: process.args:"), std::string::npos);
}

TEST(OciConvert, UnknownFieldsAreIgnored) {
    json spec = MinimalSpec();
    spec["someFutureField"] = {{"x", 1}};
    spec["process"]["someFutureField"] = 3;
    EXPECT_EQ(ErrorOf(spec), "");
}

TEST(OciConvert, UnhonouredFieldsAreRefusedByName) {
    auto refused = [](json spec, const std::string& path) {
        std::string error = ErrorOf(spec);
        EXPECT_EQ(error.rfind("config.json: " + path + ": not supported by Berth", 0), 0u) << path << ": " << error;
    };
    json spec = MinimalSpec();
    spec["process"]["apparmorProfile"] = "docker-default";
    refused(spec, "process.apparmorProfile");
    spec = MinimalSpec();
    spec["linux"] = {{"sysctl", {{"net.ipv4.ip_forward", "1"}}}};  // no network namespace of its own
    refused(spec, "linux.sysctl.net.ipv4.ip_forward");
    spec = MinimalSpec();
    spec["linux"] = {{"namespaces", {{{"type", "ipc"}, {"type", "mount"}}}}, {"sysctl", {{"vm.swappiness", "1"}}}};
    refused(spec, "linux.sysctl.vm.swappiness");
    spec = MinimalSpec();
    spec["linux"] = {{"personality", {{"domain", "LINUX"}, {"flags", {"ADDR_NO_RANDOMIZE"}}}}};
    refused(spec, "linux.personality.flags");
    spec = MinimalSpec();
    spec["linux"] = {{"namespaces", {{{"type", "time"}}}}};
    refused(spec, "linux.namespaces[0].type");
    spec = MinimalSpec();
    spec["linux"] = {{"resources", {{"network", {{"classID", 1048577}}}}}};
    refused(spec, "linux.resources.network");
    spec = MinimalSpec();
    spec["linux"] = {{"resources", {{"memory", {{"kernel", 1000}}}}}};
    refused(spec, "linux.resources.memory.kernel");
    // rootfsPropagation takes a propagation's name (honoured after pivot_root), nothing else.
    spec = MinimalSpec();
    spec["linux"] = {{"rootfsPropagation", "sideways"}};
    EXPECT_EQ(ErrorOf(spec).rfind("config.json: linux.rootfsPropagation: expected private, shared, slave or unbindable", 0),
              0u)
        << ErrorOf(spec);
    spec["linux"] = {{"rootfsPropagation", "rshared"}};
    EXPECT_EQ(ErrorOf(spec), "");
    // Empty values ask for nothing and are accepted.
    spec = MinimalSpec();
    spec["linux"] = {{"sysctl", json::object()}, {"resources", {{"hugepageLimits", json::array()}}}};
    EXPECT_EQ(ErrorOf(spec), "");
}

TEST(OciConvert, SysctlPersonalityDomainnameAndUmask) {
    json spec = MinimalSpec();
    spec["domainname"] = "example.org";
    spec["process"]["user"] = {{"uid", 0}, {"gid", 0}, {"umask", 077}};
    spec["linux"] = json::parse(R"({"namespaces": [{"type": "ipc"}, {"type": "network"}, {"type": "uts"}, {"type": "mount"}],
        "sysctl": {"kernel.shmmax": "4096", "net.ipv4.ip_forward": "1", "fs.mqueue.msg_max": "20",
                   "kernel.domainname": "x"},
        "personality": {"domain": "LINUX32"}})");
    OciContainer c = Convert(spec);
    EXPECT_EQ(c.config.domainname, "example.org");
    EXPECT_EQ(c.config.process.umask, 077u);
    EXPECT_EQ(c.config.personality, "linux32");
    std::map<std::string, std::string> sysctl = {{"kernel.shmmax", "4096"}, {"net.ipv4.ip_forward", "1"},
                                                 {"fs.mqueue.msg_max", "20"}, {"kernel.domainname", "x"}};
    EXPECT_EQ(c.config.sysctl, sysctl);
    spec["linux"]["personality"] = {{"domain", "PER_BSD"}};
    EXPECT_NE(ErrorOf(spec).find("config.json: linux.personality.domain: expected LINUX or LINUX32"), std::string::npos);
}

TEST(OciConvert, CgroupsPathInBothForms) {
    config::CgroupLocation scope = ConvertCgroupsPath("machine.slice:libpod:abc", true);
    EXPECT_EQ(scope.slice, "machine.slice");
    EXPECT_EQ(scope.scope, "libpod-abc.scope");
    EXPECT_EQ(scope.path, "");
    EXPECT_EQ(ConvertCgroupsPath(":crio:abc", true).slice, "system.slice");  // runc's default slice
    EXPECT_EQ(ConvertCgroupsPath("-:p:abc", true).slice, "-.slice");
    EXPECT_EQ(ConvertCgroupsPath("a-b.slice::abc", true).scope, "abc.scope");
    EXPECT_TRUE(ConvertCgroupsPath("", true).empty());
    auto error = [](const std::string& path, bool systemd) {
        try {
            ConvertCgroupsPath(path, systemd);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(error("/a/b", true).find("linux.cgroupsPath: expected slice:prefix:name"), std::string::npos);
    EXPECT_NE(error("a.slice/b.slice:p:n", true).find("is no slice unit name"), std::string::npos);
    EXPECT_NE(error("system.slice:p:pod.slice", true).find("not supported by Berth"), std::string::npos);
    EXPECT_NE(error("system.slice:p:a b", true).find("which systemd does not accept"), std::string::npos);

    EXPECT_EQ(ConvertCgroupsPath("/kubepods//pod1/./abc/", false).path, "/kubepods/pod1/abc");
    EXPECT_EQ(ConvertCgroupsPath("pods/abc", false).path, "pods/abc");
    EXPECT_EQ(ConvertCgroupsPath("machine.slice:libpod:abc", false).path, "machine.slice:libpod:abc");
    EXPECT_NE(error("/a/../../b", false).find("climbs with '..'"), std::string::npos);
    EXPECT_NE(error("/", false).find("names no cgroup"), std::string::npos);
}

TEST(OciConvert, NamespacesCreatedOrJoined) {
    json spec = MinimalSpec();
    spec["linux"] = json::parse(R"({"namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/x"},
                                                   {"type": "mount"}, {"type": "user"}, {"type": "cgroup"}]})");
    OciContainer c = Convert(spec);
    ASSERT_EQ(c.config.namespaces.size(), 5u);
    EXPECT_EQ(c.config.namespaces[0], (config::NamespaceConfig{config::NamespaceKind::Pid, std::nullopt}));
    EXPECT_EQ(c.config.namespaces[1], (config::NamespaceConfig{config::NamespaceKind::Net, "/run/netns/x"}));
    EXPECT_EQ(c.config.namespaces[2].kind, config::NamespaceKind::Mount);
    spec["linux"]["namespaces"].push_back({{"type", "pid"}});
    EXPECT_EQ(ErrorOf(spec), "config.json: linux.namespaces[5].type: namespace 'pid' is listed twice");
    spec["linux"]["namespaces"] = json::parse(R"([{"type": "pidx"}])");
    EXPECT_EQ(ErrorOf(spec), "config.json: linux.namespaces[0].type: unknown namespace type 'pidx'");
}

TEST(OciConvert, IdMappingsDevicesMaskedReadonly) {
    json spec = MinimalSpec();
    spec["linux"] = json::parse(R"({
        "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
        "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 10}],
        "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0},
                    {"path": "/dev/pipe", "type": "p", "fileMode": 384}],
        "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"], "cgroupsPath": "/a/b"
    })");
    OciContainer c = Convert(spec);
    EXPECT_EQ(c.config.uid_mappings, (std::vector<config::IdMapping>{{0, 100000, 65536}}));
    EXPECT_EQ(c.config.gid_mappings, (std::vector<config::IdMapping>{{0, 200000, 10}}));
    ASSERT_EQ(c.config.devices.size(), 2u);
    EXPECT_EQ(c.config.devices[1].type, 'p');  // a FIFO: no numbers needed
    EXPECT_EQ(c.config.devices[1].file_mode, 0600u);
    EXPECT_EQ(c.config.devices[0].path, "/dev/fuse");
    EXPECT_EQ(c.config.devices[0].major, 10);
    EXPECT_EQ(c.config.devices[0].minor, 229);
    EXPECT_EQ(c.config.devices[0].file_mode, 0666u);
    EXPECT_EQ(c.config.masked_paths, std::vector<std::string>{"/proc/kcore"});
    EXPECT_EQ(c.config.readonly_paths, std::vector<std::string>{"/proc/sys"});
    EXPECT_EQ(c.extras.cgroups_path, "/a/b");
}

TEST(OciConvert, Resources) {
    json spec = MinimalSpec();
    spec["linux"] = json::parse(R"({"resources": {
        "memory": {"limit": 268435456, "swap": 536870912, "disableOOMKiller": true},
        "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0"},
        "pids": {"limit": 64}, "blockIO": {"weight": 500},
        "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}]
    }})");
    config::Resources r = Convert(spec).config.resources;
    EXPECT_EQ(r.memory_max->bytes, 268435456u);
    EXPECT_EQ(r.memory_swap_max->bytes, 268435456u);  // OCI swap is memory + swap
    EXPECT_TRUE(r.oom_kill_disable);
    EXPECT_EQ(*r.cpu_weight, 100u);  // 1024 shares: the default weight, 1024 again on v1
    EXPECT_EQ(r.cpu_quota, (config::CpuQuota{50, 0}));  // the default period is stored as 0
    spec["linux"]["resources"]["cpu"] = {{"quota", 50000}, {"period", 500000}};
    EXPECT_EQ(Convert(spec).config.resources.cpu_quota, (config::CpuQuota{10, 500000}));
    spec["linux"]["resources"]["cpu"] = {{"period", 200000}};  // a period without a quota: no limit
    EXPECT_EQ(Convert(spec).config.resources.cpu_quota, (config::CpuQuota{0, 200000}));
    spec["linux"]["resources"]["cpu"] = {{"quota", 50000}, {"period", 500}};
    EXPECT_NE(ErrorOf(spec).find("linux.resources.cpu.period: expected 1000..1000000"), std::string::npos) << ErrorOf(spec);
    EXPECT_EQ(*r.allowed_cpus, "0");
    EXPECT_EQ(*r.tasks_max, 64u);
    EXPECT_EQ(*r.io_weight, 100u);  // blkio 500: the default io.weight, 500 again on v1
    // The spec's rules first, then (as runc) the launcher's always-allowed devices.
    ASSERT_EQ(r.devices.size(), 2u + config::DefaultDeviceRules().size() - 1);
    EXPECT_EQ(r.devices.back(), (config::DeviceRule{true, 'c', 136, std::nullopt, "rwm"}));
    EXPECT_EQ(r.devices[0], (config::DeviceRule{false, 'a', std::nullopt, std::nullopt, "rwm"}));
    EXPECT_EQ(r.devices[1], (config::DeviceRule{true, 'c', 1, 3, "rw"}));
    spec["linux"]["resources"]["cpu"] = {{"quota", 33333}, {"period", 100000}};
    EXPECT_NE(ErrorOf(spec).find("linux.resources.cpu.quota: not supported"), std::string::npos);
}

TEST(OciConvert, ReservationSwappinessMemsHugepagesAndUnified) {
    json spec = MinimalSpec();
    spec["linux"] = json::parse(R"({"resources": {
        "memory": {"reservation": 33554432, "swappiness": 10},
        "cpu": {"mems": "0"},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}, {"pageSize": "1GB", "limit": 0}],
        "unified": {"cgroup.max.descendants": "5", "memory.high": "max"}
    }})");
    config::Resources r = Convert(spec).config.resources;
    EXPECT_EQ(r.memory_low->bytes, 33554432u);
    EXPECT_EQ(*r.memory_swappiness, 10u);
    EXPECT_EQ(*r.allowed_mems, "0");
    EXPECT_EQ(r.hugepage_limits, (std::map<std::string, config::ByteSize>{{"2MB", {4194304}}, {"1GB", {0}}}));
    EXPECT_EQ(r.unified, (std::map<std::string, std::string>{{"cgroup.max.descendants", "5"}, {"memory.high", "max"}}));
    // runc's "leave it" for swappiness (uint64 max) is no swappiness at all.
    spec["linux"]["resources"]["memory"]["swappiness"] = UINT64_MAX;
    EXPECT_FALSE(Convert(spec).config.resources.memory_swappiness);
    spec["linux"]["resources"]["memory"]["swappiness"] = 101;
    EXPECT_NE(ErrorOf(spec).find("linux.resources.memory.swappiness: expected 0..100"), std::string::npos);
    spec["linux"]["resources"]["memory"]["swappiness"] = 10;
    spec["linux"]["resources"]["hugepageLimits"][1]["pageSize"] = "2MB";
    EXPECT_NE(ErrorOf(spec).find("linux.resources.hugepageLimits[1].pageSize: the limit of 2MB pages is given twice"),
              std::string::npos)
        << ErrorOf(spec);
    spec["linux"]["resources"]["hugepageLimits"][1]["pageSize"] = "1GB";
    spec["linux"]["resources"]["memory"].erase("swappiness");
    spec["linux"]["resources"]["hugepageLimits"][0]["pageSize"] = "2M";
    EXPECT_NE(ErrorOf(spec).find("linux.resources.hugepageLimits[0].pageSize:"), std::string::npos);
    spec["linux"]["resources"]["hugepageLimits"][0]["pageSize"] = "2MB";
    spec["linux"]["resources"]["unified"] = {{"../memory.max", "1"}};
    EXPECT_NE(ErrorOf(spec).find("linux.resources.unified.../memory.max: expected a cgroup v2 file name"),
              std::string::npos) << ErrorOf(spec);
    spec["linux"]["resources"]["unified"] = {{"memory.max", 1}};
    EXPECT_NE(ErrorOf(spec).find("linux.resources.unified.memory.max: expected a string"), std::string::npos)
        << ErrorOf(spec);
}

TEST(OciConvert, MountsKeepOptionsAndLeaveSystemMountsToTheLauncher) {
    json spec = MinimalSpec();
    spec["mounts"] = json::parse(R"([
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
        {"destination": "/data", "source": "/srv/data", "options": ["rbind", "ro", "rprivate"]},
        {"destination": "/run/", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}
    ])");
    OciContainer c = Convert(spec);
    ASSERT_EQ(c.config.mounts.size(), 2u);
    EXPECT_EQ(c.config.mounts[0], (config::MountConfig{"/srv/data", "/data", "bind", {"rbind", "ro", "rprivate"}}));
    EXPECT_EQ(c.config.mounts[1], (config::MountConfig{"tmpfs", "/run", "tmpfs", {"size=1m"}}));
    spec["mounts"] = json::parse(R"([{"destination": "run", "type": "tmpfs"}])");
    EXPECT_EQ(ErrorOf(spec), "config.json: mounts[0].destination: expected an absolute path");
}

TEST(OciConvert, HooksAnnotationsAndTheirJsonRoundTrip) {
    json spec = MinimalSpec();
    spec["hooks"] = json::parse(R"({"prestart": [{"path": "/bin/true", "args": ["true", "x"], "env": ["A=1"], "timeout": 5}],
                                    "poststop": [{"path": "/bin/false"}]})");
    spec["annotations"] = {{"org.example.key", "value"}};
    OciContainer c = Convert(spec);
    ASSERT_EQ(c.extras.hooks["prestart"].size(), 1u);
    EXPECT_EQ(c.extras.hooks["prestart"][0], (Hook{"/bin/true", {"true", "x"}, {"A=1"}, 5}));
    EXPECT_EQ(c.extras.hooks["poststop"][0].path, "/bin/false");
    EXPECT_EQ(c.extras.annotations.at("org.example.key"), "value");
    EXPECT_EQ(ExtrasFromJson(ExtrasToJson(c.extras)), c.extras);
    spec["hooks"] = json::parse(R"({"poststart": [{"path": "true"}]})");
    EXPECT_EQ(ErrorOf(spec), "config.json: hooks.poststart[0].path: expected the absolute path of the hook's program");
    spec["hooks"] = json::parse(R"({"poststart": [{"path": "/bin/true", "timeout": 0}]})");
    EXPECT_EQ(ErrorOf(spec), "config.json: hooks.poststart[0].timeout: must be greater than zero");
}

TEST(OciConvert, SeccompBecomesABerthProfileWithArgsArchesAndFlags) {
    json spec = MinimalSpec();
    spec["linux"] = json::parse(R"({"seccomp": {
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "flags": ["SECCOMP_FILTER_FLAG_LOG"],
        "syscalls": [
            {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
            {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
             "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
            {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS"}
        ]}})");
    OciContainer c = Convert(spec);
    EXPECT_EQ(c.config.seccomp.mode, config::SeccompMode::Unconfined);  // the runtime points it at the file
    config::SeccompProfile profile = config::ParseSeccompProfile(c.seccomp_profile, "seccomp.toml");
    EXPECT_EQ(profile.default_action, config::SeccompAction::Errno);
    EXPECT_EQ(profile.default_errno, 38);
    EXPECT_EQ(profile.architectures, (std::vector<std::string>{"x86_64", "x86"}));
    EXPECT_EQ(profile.flags, 2u);  // SECCOMP_FILTER_FLAG_LOG
    ASSERT_EQ(profile.rules.size(), 4u);
    EXPECT_EQ(profile.rules[0].names, (std::vector<std::string>{"read", "write"}));
    EXPECT_EQ(profile.rules[0].action, config::SeccompAction::Allow);
    EXPECT_EQ(profile.rules[1].args, (std::vector<config::SeccompArg>{{0, 4294967295u, 0, config::SeccompOp::Eq}}));
    EXPECT_EQ(profile.rules[2].errno_value, 1);
    EXPECT_EQ(profile.rules[2].args[0].op, config::SeccompOp::MaskedEq);
    EXPECT_EQ(profile.rules[3].action, config::SeccompAction::KillProcess);
    launch::SeccompFilter filter(profile);  // libseccomp accepts all of it
    EXPECT_FALSE(filter.Program().empty());

    spec["linux"]["seccomp"]["syscalls"][0]["action"] = "SCMP_ACT_NOTIFY";
    EXPECT_NE(ErrorOf(spec).find("config.json: linux.seccomp.syscalls[0].action: not supported by Berth"),
              std::string::npos);
    spec["linux"]["seccomp"]["syscalls"][0]["action"] = "SCMP_ACT_BOGUS";
    EXPECT_EQ(ErrorOf(spec), "config.json: linux.seccomp.syscalls[0].action: unknown seccomp action 'SCMP_ACT_BOGUS'");
    spec["linux"]["seccomp"]["syscalls"][0]["action"] = "SCMP_ACT_ALLOW";
    spec["linux"]["seccomp"]["syscalls"][1]["args"][0]["op"] = "SCMP_CMP_XX";
    EXPECT_EQ(ErrorOf(spec), "config.json: linux.seccomp.syscalls[1].args[0].op: unknown seccomp operator 'SCMP_CMP_XX'");
}

}  // namespace
}  // namespace berth::oci
