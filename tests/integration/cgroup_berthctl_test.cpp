// The cgroup layer through berthctl with --cgroup-driver cgroupfs on this machine's real cgroups:
// a memory hog is OOM-killed and reported, a fork loop stops at tasks_max, update/pause/resume
// act on the live container, rm leaves no cgroup; memory_low, memory_swappiness, allowed_mems,
// unified and hugepages_max set in NAME.toml reach their cgroup files.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <sstream>
#include <thread>

#include "cgroup/cgroup_layout.hpp"
#include "eventually.hpp"
#include "fixture.hpp"
#include "util/file.hpp"

namespace berth::testing {
namespace {

std::string Trim(std::string s) { return TrimRight(std::move(s)); }

class CgroupBerthctlTest : public BerthFixture {
protected:
    void SetUp() override {
        BerthFixture::SetUp();
        if (IsSkipped())
            return;
        layout_ = cgroup::DetectLayout();
        cgroup_driver_ = "cgroupfs";
    }

    // The container's directory in the hierarchy holding `controller`.
    std::string Dir(const std::string& name, const std::string& controller) {
        const cgroup::Hierarchy* h = layout_.ForController(controller);
        return h == nullptr ? "" : h->mount_point + "/berth/" + name;
    }
    bool V1(const std::string& controller) { return layout_.V1ForController(controller) != nullptr; }
    std::string Read(const std::string& path) { return Trim(ReadFileIfExists(path).value_or("<missing>")); }

    void RunDetached(const std::string& name, const std::vector<std::string>& extra,
                     const std::vector<std::string>& command) {
        std::vector<std::string> args{"run", "--rootfs", Rootfs(), "--name", name, "--detach"};
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back("--");
        args.insert(args.end(), command.begin(), command.end());
        CommandResult r = Berthctl(args);
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
    }

    cgroup::Layout layout_;
};

TEST_F(CgroupBerthctlTest, MemoryHogIsOomKilledAndReported) {
    std::string name = UniqueName("oom");
    // dd's 64M buffer cannot fit under a 16M limit (no swap accounting needed: the kill comes first).
    CommandResult r = Berthctl({"run", "--rootfs", Rootfs(), "--name", name, "--memory", "16M", "--", "dd",
                                "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"});
    EXPECT_EQ(r.exit_code, 128 + 9) << "expected death by SIGKILL\n" << Describe(r);

    // Detached, the stopped container's cgroup stays until rm: its OOM counter shows the kill.
    std::string detached = UniqueName("oomd");
    RunDetached(detached, {"--memory", "16M"}, {"sh", "-c", "exec dd if=/dev/zero of=/dev/null bs=64M count=1"});
    std::string memory = Dir(detached, "memory");
    if (V1("memory")) {
        EXPECT_TRUE(Eventually([&] { return Read(memory + "/memory.oom_control").find("oom_kill 1") != std::string::npos; }))
            << Read(memory + "/memory.oom_control");
    } else {
        EXPECT_TRUE(Eventually([&] { return Read(memory + "/memory.events").find("oom_kill 1") != std::string::npos; }))
            << Read(memory + "/memory.events");
    }
    EXPECT_TRUE(Eventually([&] { return Berthctl({"state", detached}).out.find("\"stopped\"") != std::string::npos; }));
    CommandResult rm = Berthctl({"rm", "--force", detached});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
}

TEST_F(CgroupBerthctlTest, ForkLoopStopsAtTasksMax) {
    std::string name = UniqueName("forks");
    WriteContainerToml(name, "rootfs = \"" + Rootfs() +
                                 "\"\n[process]\nargs = [\"/bin/sleep\", \"1000\"]\n[resources]\ntasks_max = 8\n");
    CommandResult r = Berthctl({"run", "--detach", name});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::string pids = Dir(name, "pids");
    EXPECT_EQ(Read(pids + "/pids.max"), "8");
    // An endless fork loop joins the container; the shell gives up when fork fails.
    CommandResult loop = Berthctl({"exec", name, "--", "sh", "-c", "while true; do sleep 1000 & done"});
    EXPECT_NE(loop.exit_code, 0) << Describe(loop);
    EXPECT_NE(loop.err.find("can't fork"), std::string::npos) << Describe(loop);
    std::istringstream events(Read(pids + "/pids.events"));
    std::string key;
    uint64_t refused = 0;
    EXPECT_TRUE((events >> key >> refused) && key == "max" && refused > 0) << Read(pids + "/pids.events");
    if (PathExists(pids + "/pids.peak")) {
        EXPECT_EQ(Read(pids + "/pids.peak"), "8");
    }
    // The container itself lives on, its processes within the limit.
    EXPECT_NE(Berthctl({"state", name}).out.find("\"running\""), std::string::npos);
    CommandResult ps = Berthctl({"ps", name});
    ASSERT_EQ(ps.exit_code, 0) << Describe(ps);
    std::istringstream lines(ps.out);
    int count = 0;
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line.find_first_not_of("0123456789") == std::string::npos)
            ++count;
    EXPECT_GE(count, 2) << ps.out;
    EXPECT_LE(count, 8) << ps.out;
    CommandResult rm = Berthctl({"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
}

// The [resources] keys OCI's config.json had before NAME.toml: each set in the file reaches its
// cgroup file (memory_low is v1's soft limit, v2's memory.low), show-config keeps it, and a limit
// this host has no controller for stops the start instead of being dropped.
TEST_F(CgroupBerthctlTest, MemoryLowSwappinessMemsAndUnifiedReachTheCgroupFiles) {
    std::string name = UniqueName("lowmem");
    std::string resources = "[resources]\nmemory_low = \"24M\"\nallowed_mems = \"0\"\n";
    if (V1("memory"))
        resources += "memory_swappiness = 17\n";  // v2 has no memory.swappiness (refused there)
    const cgroup::Hierarchy* unified = layout_.Unified();
    if (unified != nullptr)
        resources += "unified = { \"cgroup.max.descendants\" = \"3\" }\n";  // a core file: on any cgroup2
    WriteContainerToml(name, "rootfs = \"" + Rootfs() + "\"\n[process]\nargs = [\"/bin/sleep\", \"1000\"]\n" + resources);

    CommandResult show = Berthctl({"show-config", name});
    ASSERT_EQ(show.exit_code, 0) << Describe(show);
    EXPECT_NE(show.out.find("memory_low = \"24M\"\n"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("allowed_mems = \"0\"\n"), std::string::npos) << show.out;

    CommandResult r = Berthctl({"run", "--detach", name});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::string memory = Dir(name, "memory");
    if (V1("memory")) {
        EXPECT_EQ(Read(memory + "/memory.soft_limit_in_bytes"), std::to_string(24 << 20));
        EXPECT_EQ(Read(memory + "/memory.swappiness"), "17");
    } else {
        EXPECT_EQ(Read(memory + "/memory.low"), std::to_string(24 << 20));
    }
    if (layout_.ForController("cpuset") != nullptr) {
        EXPECT_EQ(Read(Dir(name, "cpuset") + "/cpuset.mems"), "0");
    }
    if (unified != nullptr) {
        EXPECT_EQ(Read(unified->mount_point + "/berth/" + name + "/cgroup.max.descendants"), "3");
    }
    CommandResult rm = Berthctl({"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);

    // Node 0 is every host's (and a v1 cpuset's inherited value): a node this host lacks shows the
    // key is written, not left to the default.
    if (layout_.ForController("cpuset") != nullptr && Read("/sys/devices/system/node/possible") == "0") {
        std::string far = UniqueName("farmem");
        WriteContainerToml(far, "rootfs = \"" + Rootfs() +
                                    "\"\n[process]\nargs = [\"/bin/sleep\", \"1000\"]\n[resources]\nallowed_mems = \"1\"\n");
        CommandResult f = Berthctl({"run", "--detach", far});
        EXPECT_NE(f.exit_code, 0) << Describe(f);
        EXPECT_NE(f.err.find("cpuset.mems to 1"), std::string::npos) << Describe(f);
        Berthctl({"rm", "--force", far});
    }

    // hugepages_max: the limit where a hugetlb controller is mounted, a refused start where none is.
    std::string huge = UniqueName("huge");
    WriteContainerToml(huge, "rootfs = \"" + Rootfs() +
                                 "\"\n[process]\nargs = [\"/bin/sleep\", \"1000\"]\n[resources]\n"
                                 "hugepages_max = { \"2MB\" = \"4M\" }\n");
    CommandResult h = Berthctl({"run", "--detach", huge});
    if (const cgroup::Hierarchy* hugetlb = layout_.ForController("hugetlb")) {
        ASSERT_EQ(h.exit_code, 0) << Describe(h);
        EXPECT_EQ(Read(Dir(huge, "hugetlb") + (hugetlb->unified ? "/hugetlb.2MB.max" : "/hugetlb.2MB.limit_in_bytes")),
                  std::to_string(4 << 20));
        CommandResult rm_huge = Berthctl({"rm", "--force", huge});
        EXPECT_EQ(rm_huge.exit_code, 0) << Describe(rm_huge);
    } else {
        EXPECT_NE(h.exit_code, 0) << Describe(h);
        EXPECT_NE(h.err.find("hugetlb.2MB.max: the hugetlb controller is not available"), std::string::npos)
            << Describe(h);
        for (const cgroup::Hierarchy& hierarchy : layout_.hierarchies)
            EXPECT_FALSE(PathExists(hierarchy.mount_point + "/berth/" + huge)) << hierarchy.key;
    }
}

TEST_F(CgroupBerthctlTest, UpdatePauseResumeActOnTheLiveContainer) {
    std::string name = UniqueName("live");
    RunDetached(name, {"--memory", "32M"}, {"sleep", "1000"});
    std::string memory_file = Dir(name, "memory") + (V1("memory") ? "/memory.limit_in_bytes" : "/memory.max");
    EXPECT_EQ(Read(memory_file), std::to_string(32 << 20));

    CommandResult update = Berthctl({"update", name, "--memory", "48M", "--tasks-max", "12", "--cpu-quota", "50%"});
    ASSERT_EQ(update.exit_code, 0) << Describe(update);
    EXPECT_EQ(Read(memory_file), std::to_string(48 << 20));
    EXPECT_EQ(Read(Dir(name, "pids") + "/pids.max"), "12");
    if (V1("cpu")) {
        EXPECT_EQ(Read(Dir(name, "cpu") + "/cpu.cfs_quota_us"), "50000");
    } else {
        EXPECT_EQ(Read(Dir(name, "cpu") + "/cpu.max"), "50000 100000");
    }

    CommandResult pause = Berthctl({"pause", name});
    ASSERT_EQ(pause.exit_code, 0) << Describe(pause);
    if (V1("freezer")) {
        EXPECT_EQ(Read(Dir(name, "freezer") + "/freezer.state"), "FROZEN");
    }
    CommandResult resume = Berthctl({"resume", name});
    ASSERT_EQ(resume.exit_code, 0) << Describe(resume);
    if (V1("freezer")) {
        EXPECT_EQ(Read(Dir(name, "freezer") + "/freezer.state"), "THAWED");
    }

    CommandResult stats = Berthctl({"stats", name, "--json"});
    ASSERT_EQ(stats.exit_code, 0) << Describe(stats);
    EXPECT_NE(stats.out.find("\"limit\" : " + std::to_string(48 << 20)), std::string::npos) << stats.out;
    EXPECT_NE(stats.out.find("\"limit\" : 12"), std::string::npos) << stats.out;

    CommandResult rm = Berthctl({"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    for (const cgroup::Hierarchy& h : layout_.hierarchies)
        EXPECT_FALSE(PathExists(h.mount_point + "/berth/" + name)) << h.key;
}

}  // namespace
}  // namespace berth::testing
