// Resources -> systemd scope properties: names per cgroup version, version gates, CPU masks,
// device rules as DeviceAllow + DevicePolicy.
#include <gtest/gtest.h>

#include <algorithm>

#include "cgroup/resources.hpp"
#include "cgroup/scope_properties.hpp"
#include "config/defaults.hpp"
#include "util/error.hpp"

namespace berth::cgroup {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr const char* kProcDevices =
    "Character devices:\n  1 mem\n  4 tty\n  5 /dev/tty\n136 pts\n\nBlock devices:\n  7 loop\n  8 sd\n";

config::Resources Full() {
    config::Resources r;
    r.memory_max = config::ByteSize{512 * kMiB};
    r.memory_high = config::ByteSize{400 * kMiB};
    r.memory_swap_max = config::ByteSize{0};
    r.cpu_weight = 200;
    r.cpu_quota = config::CpuQuota{150};
    r.tasks_max = 64;
    r.io_weight = 50;
    r.allowed_cpus = "0-1";
    return r;
}

const UnitProperty* Find(const std::vector<UnitProperty>& props, const std::string& name) {
    auto it = std::find_if(props.begin(), props.end(), [&](const UnitProperty& p) { return p.name == name; });
    return it == props.end() ? nullptr : &*it;
}

template <typename T>
T Get(const std::vector<UnitProperty>& props, const std::string& name) {
    const UnitProperty* p = Find(props, name);
    if (p == nullptr || !std::holds_alternative<T>(p->value)) {
        ADD_FAILURE() << name << " missing or of another type";
        return T{};
    }
    return std::get<T>(p->value);
}

TEST(CgroupScopeProperties, UnifiedNames) {
    auto props = ResourceProperties(Full(), {252, true}, kProcDevices);
    EXPECT_EQ(Get<uint64_t>(props, "MemoryMax"), 512 * kMiB);
    EXPECT_EQ(Get<uint64_t>(props, "MemoryHigh"), 400 * kMiB);
    EXPECT_EQ(Get<uint64_t>(props, "MemorySwapMax"), 0u);
    EXPECT_EQ(Get<uint64_t>(props, "CPUWeight"), 200u);
    EXPECT_EQ(Get<uint64_t>(props, "CPUQuotaPerSecUSec"), 1'500'000u);
    EXPECT_EQ(Get<uint64_t>(props, "CPUQuotaPeriodUSec"), 100'000u);
    EXPECT_EQ(Get<uint64_t>(props, "TasksMax"), 64u);
    EXPECT_EQ(Get<uint64_t>(props, "IOWeight"), 50u);
    EXPECT_EQ(Get<std::vector<uint8_t>>(props, "AllowedCPUs"), std::vector<uint8_t>{0x03});
    EXPECT_EQ(Find(props, "MemoryLimit"), nullptr);
}

TEST(CgroupScopeProperties, LegacyNamesOnCgroupV1) {
    config::Resources v1 = Full();
    v1.memory_high.reset();  // refused on v1 (cgroup_no_silent_limits_test)
    v1.memory_swap_max.reset();
    auto props = ResourceProperties(v1, {252, false}, kProcDevices);
    EXPECT_EQ(Get<uint64_t>(props, "MemoryLimit"), 512 * kMiB);
    EXPECT_EQ(Get<uint64_t>(props, "CPUShares"), 2048u);
    EXPECT_EQ(Get<uint64_t>(props, "BlockIOWeight"), 250u);
    EXPECT_EQ(Get<uint64_t>(props, "TasksMax"), 64u);
    EXPECT_EQ(Get<uint64_t>(props, "CPUQuotaPerSecUSec"), 1'500'000u);
    for (const char* v2_only : {"MemoryMax", "MemoryHigh", "MemorySwapMax", "CPUWeight", "IOWeight", "AllowedCPUs"})
        EXPECT_EQ(Find(props, v2_only), nullptr) << v2_only;
}

TEST(CgroupScopeProperties, OldSystemdGetsOnlyWhatItKnows) {
    config::Resources r = Full();
    r.allowed_cpus.reset();  // AllowedCPUs (244) is refused on 240 (cgroup_no_silent_limits_test)
    auto props = ResourceProperties(r, {240, true}, kProcDevices);
    EXPECT_NE(Find(props, "MemoryMax"), nullptr);
    // 242; its default is the period Berth uses.
    EXPECT_EQ(Find(props, "CPUQuotaPeriodUSec"), nullptr);
    EXPECT_EQ(PropertyMinVersion("PIDFDs"), 253);
}

TEST(CgroupScopeProperties, UnlimitedIsInfinity) {
    config::Resources r;
    r.memory_max = config::ByteSize{kUnlimited};
    r.tasks_max = kUnlimited;
    r.cpu_quota = config::CpuQuota{0};
    auto props = ResourceProperties(r, {252, true}, "");
    EXPECT_EQ(Get<uint64_t>(props, "MemoryMax"), UINT64_MAX);
    EXPECT_EQ(Get<uint64_t>(props, "TasksMax"), UINT64_MAX);
    EXPECT_EQ(Get<uint64_t>(props, "CPUQuotaPerSecUSec"), UINT64_MAX);
}

TEST(CgroupScopeProperties, ScopeBasics) {
    auto props = ScopeProperties("web", 1234, -1, {}, {252, false}, "");
    EXPECT_EQ(props.at(0).name, "Description");
    EXPECT_EQ(Get<std::string>(props, "Slice"), "berth.slice");
    EXPECT_EQ(Get<std::vector<uint32_t>>(props, "PIDs"), std::vector<uint32_t>{1234});
    EXPECT_EQ(Find(props, "PIDFDs"), nullptr);
    EXPECT_TRUE(Get<bool>(props, "Delegate"));
    EXPECT_EQ(Get<std::string>(props, "CollectMode"), "inactive-or-failed");
    EXPECT_TRUE(Get<bool>(props, "MemoryAccounting"));
    EXPECT_TRUE(Get<bool>(props, "TasksAccounting"));
    EXPECT_TRUE(Get<bool>(props, "BlockIOAccounting"));
    EXPECT_EQ(ScopeUnitName("web"), "berth-web.scope");

    auto newer = ScopeProperties("web", 1234, 7, {}, {253, true}, "");
    EXPECT_EQ(Get<std::vector<PidFdValue>>(newer, "PIDFDs"), std::vector<PidFdValue>{{7}});
    EXPECT_EQ(Find(newer, "PIDs"), nullptr);
    EXPECT_TRUE(Get<bool>(newer, "IOAccounting"));
}

TEST(CgroupScopeProperties, CpuListToMask) {
    EXPECT_EQ(CpuListToMask("0"), std::vector<uint8_t>{0x01});
    EXPECT_EQ(CpuListToMask("0-2,5"), std::vector<uint8_t>{0x27});
    EXPECT_EQ(CpuListToMask("9"), (std::vector<uint8_t>{0x00, 0x02}));
    EXPECT_EQ(CpuListToMask("1,3-4\n"), std::vector<uint8_t>{0x1a}) << "a trailing newline is tolerated";
    EXPECT_THROW(CpuListToMask("3-1"), Error);
    EXPECT_THROW(CpuListToMask("x"), Error);
}

TEST(CgroupScopeProperties, DeviceRulesBecomeAllowListThenStrictPolicy) {
    config::Resources r;
    r.devices = config::DefaultDeviceRules();
    auto props = ResourceProperties(r, {252, true}, kProcDevices);
    auto allow = std::find_if(props.begin(), props.end(), [](auto& p) { return p.name == "DeviceAllow"; });
    auto policy = std::find_if(props.begin(), props.end(), [](auto& p) { return p.name == "DevicePolicy"; });
    ASSERT_NE(allow, props.end());
    ASSERT_NE(policy, props.end());
    EXPECT_LT(allow, policy) << "DeviceAllow must come before DevicePolicy";
    EXPECT_EQ(std::get<std::string>(policy->value), "strict");
    const auto& list = std::get<DeviceAllowList>(allow->value);
    auto has = [&](const std::string& dev) {
        return std::find(list.begin(), list.end(), std::make_pair(dev, std::string("rwm"))) != list.end();
    };
    EXPECT_TRUE(has("/dev/char/1:3"));   // /dev/null
    EXPECT_TRUE(has("/dev/char/5:2"));   // /dev/ptmx
    EXPECT_TRUE(has("char-pts"));        // 136:*
}

TEST(CgroupScopeProperties, AllowAllDevicesIsAutoPolicy) {
    DevicePolicy p = DeviceRulesToPolicy({{true, 'a', std::nullopt, std::nullopt, "rwm"}}, kProcDevices);
    EXPECT_FALSE(p.strict);
    EXPECT_TRUE(p.allow.empty());
    DevicePolicy block = DeviceRulesToPolicy(
        {{false, 'a', std::nullopt, std::nullopt, "rwm"}, {true, 'b', 8, std::nullopt, "r"}}, kProcDevices);
    EXPECT_TRUE(block.strict);
    ASSERT_EQ(block.allow.size(), 1u);
    EXPECT_EQ(block.allow[0].first, "block-sd");
}

TEST(CgroupScopeProperties, VersionParsing) {
    EXPECT_EQ(ParseSystemdVersion("252.38-1~deb12u1"), 252);
    EXPECT_EQ(ParseSystemdVersion("256"), 256);
    EXPECT_EQ(ParseSystemdVersion("v?"), 0);
}

}  // namespace
}  // namespace berth::cgroup
