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

TEST(LifecycleEventsTest, AStartAndExitSeenAsOneChangeAreBothAnnounced) {
    ContainerRecord created = InState("created"), ended = InState("stopped"), never = InState("stopped");
    ended.exit_status = 137;
    ended.oom_kills = 1;
    EXPECT_EQ(LifecycleEvents(&created, &ended), (Events{"started", "oom", "exited"}))
        << "an init OOM-killed before berthd saw it running";
    EXPECT_EQ(LifecycleEvents(&created, &never), Events{"started"}) << "gone, its exit status not recorded yet";
    EXPECT_EQ(LifecycleEvents(&never, &ended), (Events{"oom", "exited"})) << "the status recorded after that";
    ContainerRecord creating = InState("creating");
    EXPECT_EQ(LifecycleEvents(&creating, &ended), (Events{"started", "oom", "exited"}))
        << "last read while the launch recorded its placement";
}

TEST(LifecycleEventsTest, OomKillsComeBeforeTheExitTheyCaused) {
    ContainerRecord running = InState("running"), killed = InState("stopped"), still = InState("running");
    killed.oom_kills = 1;
    still.oom_kills = 2;
    EXPECT_EQ(LifecycleEvents(&running, &killed), (Events{"oom", "exited"}));
    EXPECT_EQ(LifecycleEvents(&running, &still), Events{"oom"}) << "a child killed, the init runs on";
    ContainerRecord creating = InState("creating");
    EXPECT_EQ(LifecycleEvents(&creating, &still), (Events{"started", "oom"})) << "the start came first";
    EXPECT_EQ(LifecycleEvents(&still, &still), Events{});
}

}  // namespace
}  // namespace berth::bus
