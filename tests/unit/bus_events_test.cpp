// bus layer: which lifecycle events a change of a container's record announces, in order.
#include <gtest/gtest.h>

#include "bus/events.hpp"

namespace berth::bus {
namespace {

using Events = std::vector<std::string>;

ContainerRecord InState(const std::string& state) {
    ContainerRecord record;
    record.name = "web";
    record.state = state;
    return record;
}

Events Between(const std::string& from, const std::string& to) {
    ContainerRecord before = InState(from), after = InState(to);
    return LifecycleEvents(&before, &after);
}

TEST(LifecycleEventsTest, EachTransitionNamesWhatHappened) {
    EXPECT_EQ(Between("created", "running"), Events{"started"});
    EXPECT_EQ(Between("running", "paused"), Events{"paused"});
    EXPECT_EQ(Between("paused", "running"), Events{"resumed"});
    EXPECT_EQ(Between("running", "stopped"), Events{"exited"});
    EXPECT_EQ(Between("paused", "stopped"), Events{"exited"});
    EXPECT_EQ(Between("running", "checkpointed"), Events{"checkpointed"});
    EXPECT_EQ(Between("checkpointed", "running"), Events{"restored"});
    EXPECT_EQ(Between("running", "running"), Events{}) << "a leader or cgroup change is no lifecycle event";
}

TEST(LifecycleEventsTest, NewAndRemovedContainers) {
    ContainerRecord created = InState("created"), running = InState("running");
    EXPECT_EQ(LifecycleEvents(nullptr, &created), Events{"created"});
    EXPECT_EQ(LifecycleEvents(nullptr, &running), (Events{"created", "started"})) << "RunContainer in one call";
    EXPECT_EQ(LifecycleEvents(&running, nullptr), Events{"removed"});
    EXPECT_EQ(LifecycleEvents(nullptr, nullptr), Events{});
}

}  // namespace
}  // namespace berth::bus
