// Malformed container configurations: each must fail with the exact file, line, column and key
// path of the mistake, and a reason saying what was expected.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config_test_support.hpp"

namespace berth::config {
namespace {

using testing::CaptureConfigError;

struct Malformed {
    const char* name;
    const char* toml;
    int line;
    int column;
    const char* key_path;
    const char* reason;  // a part of the reason that says what was expected
};

void PrintTo(const Malformed& m, std::ostream* out) { *out << m.name; }

// Every input starts with a valid rootfs line unless the mistake is about rootfs.
const Malformed kMalformed[] = {
    {"UnknownTopLevelKey", "rootfs = \"/r\"\nhostnmae = \"web\"\n", 2, 1, "hostnmae", "unknown key; expected rootfs"},
    {"UnknownNestedKey", "rootfs = \"/r\"\n[process]\nargz = [\"/bin/sh\"]\n", 3, 1, "process.argz",
     "unknown key; expected args"},
    {"HostnameNotAString", "rootfs = \"/r\"\nhostname = 5\n", 2, 12, "hostname", "expected a string, got the integer 5"},
    {"HostnameInvalid", "rootfs = \"/r\"\nhostname = \"web_1!\"\n", 2, 12, "hostname", "expected a host name"},
    {"RootfsRelative", "rootfs = \"var/lib/web\"\n", 1, 10, "rootfs", "expected an absolute path"},
    {"RootfsIsHostRoot", "rootfs = \"/\"\n", 1, 10, "rootfs", "not the host's \"/\""},
    {"RootfsTableRelative", "[rootfs]\npath = \"web\"\n", 2, 8, "rootfs.path", "expected an absolute path"},
    {"RootfsReadonlyNotBool", "[rootfs]\npath = \"/r\"\nreadonly = \"yes\"\n", 3, 12, "rootfs.readonly",
     "expected true or false, got \"yes\""},
    {"ArgsEmpty", "rootfs = \"/r\"\n[process]\nargs = []\n", 3, 8, "process.args", "expected at least one argument"},
    {"ArgsElementNotString", "rootfs = \"/r\"\n[process]\nargs = [\"/bin/sh\", 3]\n", 3, 20, "process.args[1]",
     "expected a string"},
    {"EnvWithoutEquals", "rootfs = \"/r\"\n[process]\nenv = [\"A=1\", \"NOVALUE\"]\n", 3, 15, "process.env[1]",
     "expected \"NAME=value\""},
    {"EnvDuplicateName", "rootfs = \"/r\"\n[process]\nenv = [\"A=1\",\n  \"A=2\"]\n", 4, 3, "process.env[1]",
     "A is already set by process.env[0]"},
    {"CwdRelative", "rootfs = \"/r\"\n[process]\ncwd = \"tmp\"\n", 3, 7, "process.cwd", "expected an absolute path"},
    {"CwdWithDotDot", "rootfs = \"/r\"\n[process]\ncwd = \"/a/../b\"\n", 3, 7, "process.cwd", "without \"..\""},
    {"UserNegative", "rootfs = \"/r\"\n[process]\nuser = -1\n", 3, 8, "process.user",
     "expected an integer from 0 to 4294967294, got -1"},
    {"GroupTooLarge", "rootfs = \"/r\"\n[process]\ngroup = 4294967295\n", 3, 9, "process.group",
     "expected an integer from 0 to 4294967294"},
    {"AdditionalGroupNotInteger", "rootfs = \"/r\"\n[process]\nadditional_groups = [10, \"wheel\"]\n", 3, 26,
     "process.additional_groups[1]", "expected an integer"},
    {"NoNewPrivilegesNotBool", "rootfs = \"/r\"\n[process]\nno_new_privileges = 1\n", 3, 21,
     "process.no_new_privileges", "expected true or false"},
    {"ProcessNotATable", "rootfs = \"/r\"\nprocess = \"/bin/sh\"\n", 2, 11, "process", "expected a table"},
    {"UnknownNamespace", "rootfs = \"/r\"\n[namespaces]\nclock = true\n", 3, 1, "namespaces.clock",
     "unknown namespace; expected mount, uts, ipc, pid, net, user, cgroup or time"},
    {"NamespaceJoinPathRelative", "rootfs = \"/r\"\n[namespaces]\nnet = \"netns/web\"\n", 3, 7, "namespaces.net",
     "expected an absolute path"},
    {"NamespaceValueWrongType", "rootfs = \"/r\"\n[namespaces]\npid = 1\n", 3, 7, "namespaces.pid",
     "expected true (a new namespace), false (the host's) or the absolute path"},
    {"MountWithoutDestination", "rootfs = \"/r\"\n[[mounts]]\ntype = \"tmpfs\"\n", 2, 1, "mounts[0].destination",
     "required key missing; expected an absolute path inside the container"},
    {"MountWithoutType", "rootfs = \"/r\"\n[[mounts]]\ndestination = \"/tmp\"\n", 2, 1, "mounts[0].type",
     "required key missing; expected a file system type"},
    {"MountDestinationRelative",
     "rootfs = \"/r\"\n[[mounts]]\ntype = \"tmpfs\"\ndestination = \"/tmp\"\n[[mounts]]\ntype = \"tmpfs\"\n"
     "destination = \"var/tmp\"\n",
     7, 15, "mounts[1].destination", "expected an absolute path"},
    {"MountDuplicateDestination",
     "rootfs = \"/r\"\n[[mounts]]\ntype = \"tmpfs\"\ndestination = \"/tmp\"\n[[mounts]]\ntype = \"tmpfs\"\n"
     "destination = \"/run\"\n[[mounts]]\ntype = \"tmpfs\"\ndestination = \"/tmp/\"\n",
     10, 15, "mounts[2].destination", "duplicate mount destination \"/tmp/\"; mounts[0] already mounts there"},
    {"BindMountWithoutSource", "rootfs = \"/r\"\n[[mounts]]\ntype = \"bind\"\ndestination = \"/data\"\n", 2, 1,
     "mounts[0].source", "required key missing; expected the absolute host path"},
    {"BindMountSourceRelative",
     "rootfs = \"/r\"\n[[mounts]]\ntype = \"none\"\noptions = [\"rbind\", \"ro\"]\nsource = \"data\"\n"
     "destination = \"/data\"\n",
     5, 10, "mounts[0].source", "expected an absolute path"},
    {"MountOptionsNotStrings", "rootfs = \"/r\"\n[[mounts]]\ntype = \"tmpfs\"\ndestination = \"/t\"\noptions = \"ro\"\n", 5,
     11, "mounts[0].options", "expected an array of strings"},
    {"MountUnknownKey", "rootfs = \"/r\"\nmounts = [{ type = \"tmpfs\", destination = \"/t\", target = \"/x\" }]\n", 2,
     49, "mounts[0].target", "unknown key; expected source, destination, type or options"},
    {"DeviceBadType", "rootfs = \"/r\"\n[[devices]]\npath = \"/dev/fuse\"\ntype = \"x\"\nmajor = 10\nminor = 229\n", 4, 8,
     "devices[0].type", "expected \"c\", \"b\" or \"p\", got \"x\""},
    {"DeviceMajorOutOfRange",
     "rootfs = \"/r\"\n[[devices]]\npath = \"/dev/fuse\"\ntype = \"c\"\nmajor = 5000\nminor = 229\n", 5, 9,
     "devices[0].major", "expected an integer from 0 to 4095, got 5000"},
    {"DeviceWithoutMinor", "rootfs = \"/r\"\n[[devices]]\npath = \"/dev/fuse\"\ntype = \"c\"\nmajor = 10\n", 2, 1,
     "devices[0].minor", "required key missing"},
    {"DeviceModeTooLarge",
     "rootfs = \"/r\"\n[[devices]]\npath = \"/dev/fuse\"\ntype = \"c\"\nmajor = 10\nminor = 229\nfile_mode = 0o17777\n",
     7, 13, "devices[0].file_mode", "expected an integer from 0 to 4095"},
    {"MaskedPathRelative", "rootfs = \"/r\"\nmasked_paths = [\"/proc/kcore\", \"proc/keys\"]\n", 2, 32, "masked_paths[1]",
     "expected an absolute path"},
    {"ReadonlyPathsNotArray", "rootfs = \"/r\"\nreadonly_paths = \"/proc/sys\"\n", 2, 18, "readonly_paths",
     "expected an array of absolute paths"},
    {"UnknownCapability", "rootfs = \"/r\"\n[capabilities]\nbounding = [\"CAP_CHOWN\", \"CAP_FLY\"]\n", 3, 26,
     "capabilities.bounding[1]", "unknown capability \"CAP_FLY\""},
    {"NumericCapability", "rootfs = \"/r\"\n[capabilities]\neffective = [\"12\"]\n", 3, 14, "capabilities.effective[0]",
     "unknown capability \"12\""},
    {"CapabilityTwice", "rootfs = \"/r\"\n[capabilities]\nambient = [\"net_admin\", \"CAP_NET_ADMIN\"]\n", 3, 25,
     "capabilities.ambient[1]", "capability net_admin is listed twice"},
    {"UnknownCapabilitySet", "rootfs = \"/r\"\n[capabilities]\nbound = []\n", 3, 1, "capabilities.bound",
     "unknown key; expected bounding, effective, inheritable, permitted or ambient"},
    {"UnknownRlimit", "rootfs = \"/r\"\n[rlimits]\nnofiles = 10\n", 3, 1, "rlimits.nofiles",
     "unknown resource limit; expected one of as, core"},
    {"RlimitSoftAboveHard", "rootfs = \"/r\"\n[rlimits]\nnofile = { soft = 2048, hard = 1024 }\n", 3, 19,
     "rlimits.nofile.soft", "expected a soft limit no higher than the hard limit"},
    {"RlimitNegative", "rootfs = \"/r\"\n[rlimits]\ncore = -1\n", 3, 8, "rlimits.core",
     "expected a non-negative integer or \"unlimited\""},
    {"RlimitMissingHard", "rootfs = \"/r\"\n[rlimits]\nnproc = { soft = 10 }\n", 3, 9, "rlimits.nproc.hard",
     "required key missing"},
    {"RlimitSetTwice", "rootfs = \"/r\"\n[rlimits]\nnofile = 10\nRLIMIT_NOFILE = 20\n", 4, 1, "rlimits.RLIMIT_NOFILE",
     "the nofile limit is already set as rlimits.nofile"},
    {"UidMappingZeroSize",
     "rootfs = \"/r\"\n[namespaces]\nuser = true\n[[uid_mappings]]\ncontainer_id = 0\nhost_id = 100000\nsize = 0\n", 7, 8,
     "uid_mappings[0].size", "expected an integer from 1 to 4294967295"},
    {"GidMappingMissingHostId", "rootfs = \"/r\"\n[[gid_mappings]]\ncontainer_id = 0\nsize = 10\n", 2, 1,
     "gid_mappings[0].host_id", "required key missing"},
    {"UidMappingsOverlap",
     "rootfs = \"/r\"\nuid_mappings = [\n { container_id = 0, host_id = 1000, size = 10 },\n"
     " { container_id = 5, host_id = 5000, size = 10 },\n]\n",
     4, 2, "uid_mappings[1]", "container IDs overlap with uid_mappings[0]"},
    {"SeccompProfileRelative", "rootfs = \"/r\"\n[seccomp]\nprofile = \"seccomp.json\"\n", 3, 11, "seccomp.profile",
     "expected \"default\", \"unconfined\" or the absolute path of a profile file"},
    {"MemoryMaxUnparsable", "rootfs = \"/r\"\n[resources]\nmemory_max = \"12X\"\n", 3, 14, "resources.memory_max",
     "expected a size such as \"512M\", \"2G\", a number of bytes or \"max\", got \"12X\""},
    {"MemoryHighNegative", "rootfs = \"/r\"\n[resources]\nmemory_high = -5\n", 3, 15, "resources.memory_high",
     "expected a size"},
    {"SwapMaxFloat", "rootfs = \"/r\"\n[resources]\nmemory_swap_max = 1.5\n", 3, 19, "resources.memory_swap_max",
     "got a floating-point number"},
    {"CpuWeightOutOfRange", "rootfs = \"/r\"\n[resources]\ncpu_weight = 0\n", 3, 14, "resources.cpu_weight",
     "expected an integer from 1 to 10000, got 0"},
    {"IoWeightOutOfRange", "rootfs = \"/r\"\n[resources]\nio_weight = 10001\n", 3, 13, "resources.io_weight",
     "expected an integer from 1 to 10000, got 10001"},
    {"CpuQuotaWithoutPercent", "rootfs = \"/r\"\n[resources]\ncpu_quota = \"150\"\n", 3, 13, "resources.cpu_quota",
     "expected a percentage of one CPU such as \"150%\""},
    {"CpuQuotaNumber", "rootfs = \"/r\"\n[resources]\ncpu_quota = 1.5\n", 3, 13, "resources.cpu_quota",
     "expected a percentage of one CPU"},
    {"TasksMaxZero", "rootfs = \"/r\"\n[resources]\ntasks_max = 0\n", 3, 13, "resources.tasks_max",
     "expected a positive integer or \"max\""},
    {"AllowedCpusMalformed", "rootfs = \"/r\"\n[resources]\nallowed_cpus = \"0-\"\n", 3, 16, "resources.allowed_cpus",
     "expected a list of CPUs and ranges such as \"0-1,3\""},
    {"MemoryLowUnparsable", "rootfs = \"/r\"\n[resources]\nmemory_low = \"lots\"\n", 3, 14, "resources.memory_low",
     "expected a size such as \"512M\", \"2G\", a number of bytes or \"max\", got \"lots\""},
    {"SwappinessOutOfRange", "rootfs = \"/r\"\n[resources]\nmemory_swappiness = 101\n", 3, 21,
     "resources.memory_swappiness", "expected an integer from 0 to 100, got 101"},
    {"SwappinessString", "rootfs = \"/r\"\n[resources]\nmemory_swappiness = \"60\"\n", 3, 21,
     "resources.memory_swappiness", "expected an integer"},
    {"AllowedMemsMalformed", "rootfs = \"/r\"\n[resources]\nallowed_mems = \"0,,1\"\n", 3, 16, "resources.allowed_mems",
     "expected a list of memory nodes and ranges such as \"0-1,3\", got \"0,,1\""},
    {"HugepagesNotATable", "rootfs = \"/r\"\n[resources]\nhugepages_max = \"1G\"\n", 3, 17, "resources.hugepages_max",
     "expected a table of page sizes and sizes such as { \"2MB\" = \"1G\" }, got \"1G\""},
    {"HugepageSizeUnknown", "rootfs = \"/r\"\n[resources]\nhugepages_max = { \"2M\" = \"1G\" }\n", 3, 19,
     "resources.hugepages_max.2M", "expected a huge page size as the kernel names it (\"2MB\", \"1GB\"), got \"2M\""},
    {"HugepageLimitUnparsable", "rootfs = \"/r\"\n[resources.hugepages_max]\n1GB = \"two\"\n", 3, 7,
     "resources.hugepages_max.1GB", "expected a size such as \"512M\""},
    {"UnifiedFileWithoutController", "rootfs = \"/r\"\n[resources.unified]\nswappiness = \"1\"\n", 3, 1,
     "resources.unified.swappiness", "expected a cgroup v2 file name, controller.file such as \"memory.high\""},
    {"UnifiedFileWithSlash", "rootfs = \"/r\"\n[resources]\nunified = { \"../memory.max\" = \"1\" }\n", 3, 13,
     "resources.unified.\"../memory.max\"", "expected a cgroup v2 file name"},
    {"UnifiedValueNotAString", "rootfs = \"/r\"\n[resources]\nunified = { \"memory.oom.group\" = 1 }\n", 3, 34,
     "resources.unified.\"memory.oom.group\"", "expected a string, got the integer 1"},
    {"DeviceRuleBadAccess", "rootfs = \"/r\"\n[[resources.devices]]\nallow = true\ntype = \"c\"\naccess = \"rwx\"\n", 5,
     10, "resources.devices[0].access", "expected some of r (read), w (write), m (mknod)"},
    {"DeviceRuleAllWithMajor", "rootfs = \"/r\"\n[[resources.devices]]\nallow = false\nmajor = 1\n", 2, 1,
     "resources.devices[0]", "a rule for all devices (type \"a\") can't name a major or minor number"},
    {"DeviceRuleWithoutAllow", "rootfs = \"/r\"\n[[resources.devices]]\ntype = \"c\"\n", 2, 1,
     "resources.devices[0].allow", "required key missing"},
    {"ResourcesNotATable", "rootfs = \"/r\"\nresources = \"big\"\n", 2, 13, "resources",
     "expected a table, got \"big\""},
    {"ManageCgroupsModeUnknown", "rootfs = \"/r\"\n[checkpoint]\nmanage_cgroups_mode = \"hard\"\n", 3, 23,
     "checkpoint.manage_cgroups_mode", "expected \"soft\", \"full\", \"strict\" or \"ignore\", got \"hard\""},
    {"StopTimeoutWithoutUnit", "rootfs = \"/r\"\nstop_timeout = \"10\"\n", 2, 16, "stop_timeout",
     "expected a duration such as \"30s\""},
    {"StopTimeoutInteger", "rootfs = \"/r\"\nstop_timeout = 10\n", 2, 16, "stop_timeout",
     "expected a duration such as \"30s\", \"500ms\", \"2min\" or \"1h\", got the integer 10"},
    {"TomlSyntaxError", "rootfs = \"/r\"\n[resources\nmemory_max = \"1G\"\n", 2, 11, "", "invalid TOML"},
    {"TomlDuplicateKey", "rootfs = \"/r\"\nhostname = \"a\"\nhostname = \"b\"\n", 3, 12, "",
     "invalid TOML: Error while parsing key-value pair: cannot redefine existing string 'hostname'"},
    {"MissingRootfs", "hostname = \"web\"\n", 1, 1, "rootfs", "required key missing"},
    {"HostnameWithoutUtsNamespace", "rootfs = \"/r\"\nhostname = \"web\"\n[namespaces]\nuts = false\n", 2, 12,
     "hostname", "setting a host name needs a UTS namespace of the container's own"},
    {"MappingsWithoutUserNamespace",
     "rootfs = \"/r\"\n[[uid_mappings]]\ncontainer_id = 0\nhost_id = 100000\nsize = 65536\n", 2, 1, "uid_mappings",
     "ID mappings need a new user namespace"},
    {"UserNamespaceWithoutMappings", "rootfs = \"/r\"\n[namespaces]\nuser = true\n", 3, 8, "namespaces.user",
     "a new user namespace needs uid_mappings"},
};

class ConfigErrors : public ::testing::TestWithParam<Malformed> {};

TEST_P(ConfigErrors, NamesFileLineColumnKeyAndExpectation) {
    const Malformed& m = GetParam();
    ConfigError e = CaptureConfigError([&] { ParseContainerConfigString("web", m.toml, "/test/web.toml"); });
    EXPECT_EQ(e.File(), "/test/web.toml");
    EXPECT_EQ(e.Line(), m.line);
    EXPECT_EQ(e.Column(), m.column);
    EXPECT_EQ(e.KeyPath(), m.key_path);
    EXPECT_NE(e.Reason().find(m.reason), std::string::npos) << "reason: " << e.Reason();
    std::string prefix = "/test/web.toml:" + std::to_string(m.line) + ":" + std::to_string(m.column) + ": ";
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
}

INSTANTIATE_TEST_SUITE_P(Malformed, ConfigErrors, ::testing::ValuesIn(kMalformed),
                         [](const ::testing::TestParamInfo<Malformed>& info) { return std::string(info.param.name); });

TEST(ConfigErrorsFile, CheckReportsEveryProblemInAFile) {
    testing::TempDir dir;
    std::string file = dir.Write("web.toml",
                                 "rootfs = \"/r\"\nhostname = 1\n[resources]\nmemory_max = \"x\"\ncpu_weight = 0\n");
    std::vector<ConfigError> errors = CheckContainerConfigFile(file, false);
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].KeyPath(), "hostname");
    EXPECT_EQ(errors[0].Line(), 2);
    // Inside [resources] the problems come in the order the schema reads the keys.
    EXPECT_EQ(errors[1].KeyPath(), "resources.memory_max");
    EXPECT_EQ(errors[1].Line(), 4);
    EXPECT_EQ(errors[2].KeyPath(), "resources.cpu_weight");
    EXPECT_EQ(errors[2].Line(), 5);
}

TEST(ConfigErrorsFile, DropInNeedNotBeComplete) {
    testing::TempDir dir;
    std::string drop_in = dir.Write("web.toml.d/10.toml", "[resources]\nmemory_max = \"1G\"\n");
    EXPECT_TRUE(CheckContainerConfigFile(drop_in, true).empty());
    std::vector<ConfigError> as_main = CheckContainerConfigFile(drop_in, false);
    ASSERT_EQ(as_main.size(), 1u);
    EXPECT_EQ(as_main[0].KeyPath(), "rootfs");
}

TEST(ConfigErrorsFile, ValidFileHasNoProblems) {
    testing::TempDir dir;
    std::string file = dir.Write("web.toml", "rootfs = \"/r\"\n[process]\nargs = [\"/bin/true\"]\n");
    EXPECT_EQ(CheckContainerConfigFile(file, false).size(), 0u);
    EXPECT_EQ(LoadContainerConfigFiles("web", {file}).process.args, std::vector<std::string>{"/bin/true"});
}

}  // namespace
}  // namespace berth::config
