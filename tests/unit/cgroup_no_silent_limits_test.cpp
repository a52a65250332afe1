// A configured limit is applied or refused with its reason, never silently left out (issue 18):
// memory_high and swap on v1, device rules on v2, properties an old systemd lacks, device rules
// systemd cannot express, kernel files that are not offered.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "cgroup/placement_files.hpp"
#include "cgroup/scope_properties.hpp"
#include "config/defaults.hpp"
#include "util/error.hpp"

namespace berth::cgroup {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr const char* kProcDevices = "Character devices:\n  1 mem\n136 pts\n\nBlock devices:\n  8 sd\n";

Layout HybridLayout() {
    Layout layout;
    layout.kind = LayoutKind::Hybrid;
    for (const char* c : {"memory", "cpuset", "devices", "blkio", "pids"})
        layout.hierarchies.push_back({c, std::string("/sys/fs/cgroup/") + c, "/", false, {c}, ""});
    layout.hierarchies.push_back({kUnifiedKey, "/sys/fs/cgroup/unified", "/", true, {}, ""});
    return layout;
}

Layout V2Layout() {
    Layout layout;
    layout.kind = LayoutKind::V2;
    layout.hierarchies.push_back({kUnifiedKey, "/sys/fs/cgroup", "/", true, {"cpuset", "cpu", "io", "memory", "pids"}, ""});
    return layout;
}

Placement PlacementIn(const Layout& layout) {
    Placement p{"cgroupfs", "", {}};
    for (const Hierarchy& h : layout.hierarchies)
        p.paths[h.key] = h.mount_point + "/berth/web";
    return p;
}

std::string Value(const std::vector<ResolvedWrite>& writes, const std::string& file) {
    for (const ResolvedWrite& w : writes)
        if (w.write.file == file)
            return w.write.value;
    return "<absent>";
}

// What an operation threw ("" if nothing).
template <typename F>
std::string Thrown(F f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(NoSilentLimits, UnifiedKeysGoToCgroup2OrAreRefusedNamingTheKey) {
    Layout hybrid = HybridLayout();
    config::Resources r;
    r.unified = {{"cgroup.max.depth", "3"}};
    std::vector<ResolvedWrite> writes = ResolveWrites(hybrid, PlacementIn(hybrid), r);
    ASSERT_EQ(writes.size(), 1u);
    EXPECT_EQ(writes[0].dir, "/sys/fs/cgroup/unified/berth/web");
    r.unified = {{"memory.high", "max"}};
    EXPECT_NE(Thrown([&] { ResolveWrites(hybrid, PlacementIn(hybrid), r); })
                  .find("unified key memory.high: the memory controller is on cgroup v1 here"),
              std::string::npos);
    Layout v2 = V2Layout();
    writes = ResolveWrites(v2, PlacementIn(v2), r);
    ASSERT_EQ(writes.size(), 1u);
    EXPECT_EQ(writes[0].dir + "/" + writes[0].write.file, "/sys/fs/cgroup/berth/web/memory.high");
    r.unified = {{"rdma.max", "x"}};
    EXPECT_NE(Thrown([&] { ResolveWrites(v2, PlacementIn(v2), r); }).find("unified key rdma.max: the rdma controller is not available"),
              std::string::npos);
}

TEST(NoSilentLimits, SwappinessIsRefusedWhereMemoryIsOnV2) {
    Layout v2 = V2Layout();
    config::Resources r;
    r.memory_swappiness = 10;
    EXPECT_NE(Thrown([&] { ResolveWrites(v2, PlacementIn(v2), r); }).find("cgroup v2 has no memory.swappiness"),
              std::string::npos);
    Layout hybrid = HybridLayout();
    EXPECT_EQ(Value(ResolveWrites(hybrid, PlacementIn(hybrid), r), "memory.swappiness"), "10");
}

TEST(NoSilentLimits, MemoryHighAndSwapAloneAreRefusedWhereMemoryIsOnV1) {
    Layout hybrid = HybridLayout();
    config::Resources high;
    high.memory_high = config::ByteSize{64 * kMiB};
    EXPECT_NE(Thrown([&] { ResolveWrites(hybrid, PlacementIn(hybrid), high); }).find("memory_high"),
              std::string::npos);
    config::Resources swap;
    swap.memory_swap_max = config::ByteSize{kMiB};
    EXPECT_NE(Thrown([&] { ResolveWrites(hybrid, PlacementIn(hybrid), swap); }).find("memory_swap_max"),
              std::string::npos);
    swap.memory_max = config::ByteSize{64 * kMiB};
    EXPECT_EQ(Thrown([&] { ResolveWrites(hybrid, PlacementIn(hybrid), swap); }), "") << "memsw with memory_max";
    // On v2 both have files of their own.
    Layout v2 = V2Layout();
    EXPECT_EQ(Thrown([&] { ResolveWrites(v2, PlacementIn(v2), high); }), "");
}

TEST(NoSilentLimits, CustomDeviceRulesAreRefusedOnV2ByTheCgroupfsDriver) {
    Layout v2 = V2Layout();
    config::Resources r;
    r.devices = config::DefaultDeviceRules();
    EXPECT_EQ(Thrown([&] { ResolveWrites(v2, PlacementIn(v2), r); }), "") << "the defaults match the /dev it makes";
    r.devices.push_back({true, 'c', 10, 229, "rwm"});  // /dev/fuse
    EXPECT_NE(Thrown([&] { ResolveWrites(v2, PlacementIn(v2), r); }).find("device rules"), std::string::npos);
    Layout hybrid = HybridLayout();
    EXPECT_EQ(Thrown([&] { ResolveWrites(hybrid, PlacementIn(hybrid), r); }), "") << "v1 devices.allow takes them";
}

TEST(NoSilentLimits, AnOptionalFileTheKernelDoesNotOfferFailsTheWrite) {
    std::string dir = (std::filesystem::temp_directory_path() / "berth-offered.XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    std::vector<ResolvedWrite> io = {{dir, {"blkio", "blkio.weight", "250", true}},
                                     {dir, {"blkio", "blkio.bfq.weight", "250", true}}};
    EXPECT_NE(Thrown([&] { ApplyWrites(io); }).find("blkio.weight or blkio.bfq.weight"), std::string::npos)
        << "neither file: the weight cannot be applied";
    std::ofstream(dir + "/blkio.bfq.weight") << "100\n";
    EXPECT_EQ(Thrown([&] { RequireOfferedFiles(io); }), "") << "one of the two is enough";
    EXPECT_EQ(Thrown([&] { ApplyWrites(io); }), "");
    std::ifstream in(dir + "/blkio.bfq.weight");
    std::string value;
    in >> value;
    EXPECT_EQ(value, "250");
    std::filesystem::remove_all(dir);
}

TEST(NoSilentLimits, SystemdPropertiesThatCannotBeSetAreRefused) {
    config::Resources high;
    high.memory_high = config::ByteSize{64 * kMiB};
    EXPECT_NE(Thrown([&] { ResourceProperties(high, {252, false}, ""); }).find("memory_high"), std::string::npos);
    config::Resources swap;
    swap.memory_swap_max = config::ByteSize{0};
    EXPECT_NE(Thrown([&] { ResourceProperties(swap, {252, false}, ""); }).find("memory_swap_max"), std::string::npos);
    config::Resources cpus;
    cpus.allowed_cpus = "0";
    EXPECT_NE(Thrown([&] { ResourceProperties(cpus, {240, true}, ""); }).find("AllowedCPUs"), std::string::npos)
        << "systemd 240 lacks AllowedCPUs (244)";
    EXPECT_EQ(Thrown([&] { ResourceProperties(cpus, {252, false}, ""); }), "")
        << "on v1 the systemd driver writes a cpuset of its own";
}

TEST(NoSilentLimits, DeviceRulesSystemdCannotExpressAreRefused) {
    const std::optional<int64_t> any;
    auto thrown = [](std::vector<config::DeviceRule> rules) {
        return Thrown([&] { DeviceRulesToPolicy(rules, kProcDevices); });
    };
    EXPECT_NE(thrown({{false, 'a', any, any, "rwm"}, {true, 'c', 99, any, "rwm"}}).find("major 99"), std::string::npos);
    EXPECT_NE(thrown({{false, 'a', any, any, "rwm"}, {true, 'c', any, any, "m"}}).find("every major"),
              std::string::npos);
    EXPECT_NE(thrown({{true, 'a', any, any, "rwm"}, {false, 'c', 1, 3, "rwm"}}).find("no deny list"),
              std::string::npos);
    // Under a deny-all, a later deny narrows the allow list or is already in force.
    DevicePolicy p = DeviceRulesToPolicy({{false, 'a', any, any, "rwm"},
                                          {true, 'c', 1, 3, "rwm"},
                                          {true, 'c', 1, 5, "rwm"},
                                          {false, 'c', 1, 3, "rwm"},
                                          {false, 'c', 1, 5, "w"},
                                          {false, 'b', 8, 0, "rwm"}},
                                         kProcDevices);
    EXPECT_TRUE(p.strict);
    EXPECT_EQ(p.allow, (DeviceAllowList{{"/dev/char/1:5", "rm"}}));
}

}  // namespace
}  // namespace berth::cgroup
