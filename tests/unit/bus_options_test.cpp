// berthd's a{sv} options onto the configuration model, and container object paths.
#include <gtest/gtest.h>

#include "bus/daemon.hpp"
#include "bus/manager_engine.hpp"
#include "bus/resource_options.hpp"

namespace berth::bus {
namespace {

TEST(BusOptions, ResourcesMapToTheModel) {
    config::Resources r;
    ApplyResourceOptions({{"MemoryMax", uint64_t{268435456}},
                          {"TasksMax", uint64_t{100}},
                          {"CPUQuota", uint64_t{150}},
                          {"AllowedCPUs", std::string("0-1")}},
                         r, true);
    ASSERT_TRUE(r.memory_max);
    EXPECT_EQ(r.memory_max->bytes, 268435456u);
    EXPECT_EQ(r.tasks_max, 100u);
    ASSERT_TRUE(r.cpu_quota);
    EXPECT_EQ(r.cpu_quota->percent, 150u);
    EXPECT_EQ(r.allowed_cpus, "0-1");
    EXPECT_FALSE(r.memory_high);
}

TEST(BusOptions, UnknownOrMistypedKeysAreInvalidConfig) {
    config::Resources r;
    try {
        ApplyResourceOptions({{"Bogus", uint64_t{1}}}, r, true);
        FAIL() << "unknown key accepted";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.Kind(), ApiErrorKind::InvalidConfig);
        EXPECT_NE(std::string(e.what()).find("Bogus"), std::string::npos);
    }
    try {
        ApplyResourceOptions({{"MemoryMax", std::string("lots")}}, r, true);
        FAIL() << "string accepted for MemoryMax";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.Kind(), ApiErrorKind::InvalidConfig);
    }
}

// Each row of the option table: what berthd reads is what a client writes back from the model.
TEST(BusOptions, EveryResourceOptionReadsBackAsWritten) {
    for (const ResourceOption& option : ResourceOptions()) {
        OptionValue sent = option.type == 's' ? OptionValue{std::string("0-1")} : OptionValue{uint64_t{150}};
        config::Resources r;
        ApplyResourceOptions({{option.name, sent}}, r, true);
        EXPECT_NE(r, config::Resources{}) << option.name << " sets nothing";
        std::optional<ResourceOptionValue> back = option.get(r);
        ASSERT_TRUE(back) << option.name;
        if (option.type == 's')
            EXPECT_EQ(std::get<std::string>(*back), "0-1") << option.name;
        else
            EXPECT_EQ(std::get<uint64_t>(*back), 150u) << option.name;
    }
}

TEST(BusOptions, CreateOverridesReplaceConfigFields) {
    config::ContainerConfig c;
    c.namespaces.push_back({config::NamespaceKind::Net, std::nullopt});
    ApplyCreateOverrides({{"Rootfs", std::string("/srv/r")},
                          {"Args", std::vector<std::string>{"sleep", "1"}},
                          {"NetworkNamespace", std::string("/run/netns/x")},
                          {"StopTimeoutUSec", uint64_t{2000000}},
                          {"MemoryMax", uint64_t{1024}}},
                         c);
    EXPECT_EQ(c.rootfs, "/srv/r");
    EXPECT_EQ(c.process.args, (std::vector<std::string>{"sleep", "1"}));
    ASSERT_EQ(c.namespaces.size(), 1u);
    EXPECT_EQ(c.namespaces[0].path, "/run/netns/x");
    EXPECT_EQ(c.stop_timeout, std::chrono::seconds(2));
    EXPECT_EQ(c.resources.memory_max->bytes, 1024u);
}

TEST(BusObjectPaths, NamesAreEscapedAndRoundTrip) {
    EXPECT_EQ(ContainerObjectPath("web"), "/org/berth1/container/web");
    std::string dotted = ContainerObjectPath("db.1-x");
    EXPECT_EQ(dotted.find('.'), std::string::npos);
    EXPECT_EQ(dotted.find('-'), std::string::npos);
    EXPECT_EQ(ContainerNameFromPath(dotted.c_str()), "db.1-x");
    EXPECT_EQ(ContainerNameFromPath("/org/berth1"), std::nullopt);
    EXPECT_EQ(ContainerNameFromPath("/org/berth1/container"), std::nullopt);
}

}  // namespace
}  // namespace berth::bus
