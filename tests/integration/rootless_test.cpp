// Rootless containers (issue 16): an unprivileged user, made by the test with its own /etc/subuid
// and /etc/subgid ranges, runs berthctl with no root anywhere; its container's user namespace maps
// its root to the user and its other ids to the user's subordinate range, and what cannot work
// rootless (a root-owned netns, limits without a delegated cgroup) is a clear error. On the host
// no user manager runs (no cgroup); in the systemd harness the user's own systemd --user
// (user@UID.service) makes each container a scope in the user's delegated subtree.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "fixture.hpp"
#include "read_text.hpp"
#include "systemd_harness.hpp"

namespace berth::testing {
namespace {

// The whitespace-separated numbers of a /proc/PID/{uid,gid}_map, one line per range.
std::string NormalizedMap(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string a, b, c;
        if (words >> a >> b >> c)
            out += a + " " + b + " " + c + "\n";
    }
    return out;
}

bool HaveProgram(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// Why no rootless user can be made here ("" if it can).
std::string NoTestUserReason() {
    for (const char* program : {"/usr/bin/newuidmap", "/usr/bin/newgidmap", "/usr/sbin/useradd", "/usr/bin/setpriv"})
        if (!HaveProgram(program))
            return std::string(program) + " is missing (newuidmap/newgidmap: Debian's uidmap package, which "
                                          "scripts/setup installs)";
    if (::geteuid() != 0)
        return "making a user needs root";
    return "";
}

// An unprivileged user made for the test with exactly one subordinate uid and gid range of its own
// (a range no other user of this machine is given: shadow allocates from 100000 up); removed with
// its ranges by Remove or the destructor.
class TestUser {
public:
    static constexpr uint32_t kSubidCount = 65536;
    const uint32_t subid_start = 3000000000u + static_cast<uint32_t>(::getpid() % 1000) * 65536u;

    // Throws std::runtime_error when a step fails.
    TestUser() : name_("brl" + std::to_string(::getpid())) {
        CommandResult r = RunCommand({"useradd", "--no-create-home", "--home-dir", "/nonexistent", "--shell",
                                      "/usr/sbin/nologin", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", name_});
        if (r.exit_code != 0)
            throw std::runtime_error("useradd failed: " + Describe(r));
        made_ = true;
        r = RunCommand({"usermod", "--add-subuids", Range(), "--add-subgids", Range(), name_});
        if (r.exit_code != 0)
            throw std::runtime_error("usermod --add-subuids failed: " + Describe(r));
        uid = static_cast<uid_t>(std::stoul(RunCommand({"id", "-u", name_}).out));
        gid = static_cast<gid_t>(std::stoul(RunCommand({"id", "-g", name_}).out));
    }
    TestUser(const TestUser&) = delete;
    TestUser& operator=(const TestUser&) = delete;
    ~TestUser() { Remove(); }

    // "" when the user and its ranges are gone.
    std::string Remove() {
        if (!made_)
            return "";
        made_ = false;
        RunCommand({"usermod", "--del-subuids", Range(), "--del-subgids", Range(), name_});
        CommandResult r = RunCommand({"userdel", name_});
        if (r.exit_code != 0)
            return "userdel failed: " + Describe(r);
        if (ReadText("/etc/subuid").find(name_ + ":") != std::string::npos)
            return "its /etc/subuid range is left";
        return "";
    }

    // "0 OWN 1\n1 START COUNT\n": the maps a rootless container of this user gets.
    std::string ExpectedMap(uint32_t own) const {
        return "0 " + std::to_string(own) + " 1\n1 " + std::to_string(subid_start) + " " + std::to_string(kSubidCount) +
               "\n";
    }

    // setpriv as the user (its uid and gid only, no supplementary groups, no capabilities) and a
    // clean environment with `env`, then argv.
    std::vector<std::string> Argv(const std::vector<std::string>& env, const std::vector<std::string>& argv) const {
        std::vector<std::string> out = {"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(gid),
                                        "--clear-groups", "--inh-caps=-all", "env", "-i",
                                        "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent"};
        out.insert(out.end(), env.begin(), env.end());
        out.insert(out.end(), argv.begin(), argv.end());
        return out;
    }

    uid_t uid = 0;
    gid_t gid = 0;

private:
    std::string Range() const {
        return std::to_string(subid_start) + "-" + std::to_string(subid_start + kSubidCount - 1);
    }
    std::string name_;
    bool made_ = false;
};

class RootlessTest : public BerthFixture {
protected:
    void SetUp() override {
        BerthFixture::SetUp();
        if (IsSkipped())
            return;
        if (std::string why = NoTestUserReason(); !why.empty())
            GTEST_SKIP() << why;
        user_ = std::make_unique<TestUser>();
        uid_ = user_->uid;
        gid_ = user_->gid;
        subid_start_ = user_->subid_start;

        // The fixture's temp dir is root's alone: the user may enter it, and owns what it uses there.
        ASSERT_EQ(::chmod(TempDir().c_str(), 0755), 0);
        runtime_dir_ = TempDir() + "/run-user";
        config_home_ = TempDir() + "/config-home";
        for (const std::string& dir : {runtime_dir_, config_home_}) {
            ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0) << dir;
            ASSERT_EQ(::chown(dir.c_str(), uid_, gid_), 0) << dir;
        }
        MakePrivateRootfs();
        CommandResult r = RunCommand({"chown", "-R", std::to_string(uid_) + ":" + std::to_string(gid_), Rootfs()});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
    }

    void TearDown() override {
        if (user_) {
            for (const std::string& name : UserContainers())  // as the user, before it goes
                AsUser({"rm", "--force", name});
        }
        BerthFixture::TearDown();
        if (user_) {
            EXPECT_EQ(user_->Remove(), "");
        }
    }

    // berthctl ARGS as the user, with its runtime and config dirs (no user bus there: no cgroup).
    CommandResult AsUser(const std::vector<std::string>& args, const std::string& stdin_data = "") const {
        std::vector<std::string> argv = {BerthctlPath()};
        argv.insert(argv.end(), args.begin(), args.end());
        return RunCommand(
            user_->Argv({"XDG_RUNTIME_DIR=" + runtime_dir_, "XDG_CONFIG_HOME=" + config_home_}, argv), stdin_data);
    }

    // The entries of the user's state dir: its containers.
    std::vector<std::string> UserContainers() const {
        std::vector<std::string> names;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(runtime_dir_ + "/berth", ec))
            names.push_back(entry.path().filename().string());
        return names;
    }

    pid_t InitPid(const std::string& name) const {
        CommandResult state = AsUser({"state", name});
        std::smatch m;
        if (!std::regex_search(state.out, m, std::regex("\"pid\" *: *([0-9]+)")))
            return -1;
        return static_cast<pid_t>(std::stol(m[1].str()));
    }

    std::string ExpectedMap(uint32_t own) const { return user_->ExpectedMap(own); }

    static constexpr uint32_t kSubidCount = TestUser::kSubidCount;
    std::unique_ptr<TestUser> user_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    uint32_t subid_start_ = 0;
    std::string runtime_dir_;
    std::string config_home_;
};

TEST_F(RootlessTest, ContainerRootIsTheUserAndItsOtherIdsTheSubordinateRange) {
    CommandResult run = AsUser({"run", "--detach", "--name", "box", "--rootfs", Rootfs(), "--", "/bin/sleep", "1000"});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    EXPECT_NE(run.err.find("running rootless without a cgroup"), std::string::npos) << Describe(run);
    // Its state is the user's, in the user's runtime dir.
    struct stat st;
    ASSERT_EQ(::stat((runtime_dir_ + "/berth/box/state.toml").c_str(), &st), 0) << "no state in the runtime dir";
    EXPECT_EQ(st.st_uid, uid_);
    CommandResult list = AsUser({"list"});
    EXPECT_EQ(list.exit_code, 0) << Describe(list);
    EXPECT_TRUE(std::regex_search(list.out, std::regex("\nbox +[0-9]+ +running "))) << Describe(list);

    pid_t pid = InitPid("box");
    ASSERT_GT(pid, 0);
    std::string proc = "/proc/" + std::to_string(pid);
    EXPECT_EQ(NormalizedMap(ReadText(proc + "/uid_map")), ExpectedMap(uid_));
    EXPECT_EQ(NormalizedMap(ReadText(proc + "/gid_map")), ExpectedMap(gid_));
    // No root anywhere: the init is the user's on the host, in a user namespace the user owns.
    ASSERT_EQ(::stat(proc.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, uid_);
    EXPECT_NE(std::filesystem::read_symlink(proc + "/ns/user"), std::filesystem::read_symlink("/proc/self/ns/user"));

    // Files made inside: root's are the user's outside, uid/gid 1000's the range's 1000th id.
    CommandResult exec = AsUser({"exec", "box", "--", "/bin/sh", "-c",
                                 "id -u; touch /tmp/by-root /tmp/by-1000 && chown 1000:1000 /tmp/by-1000 && "
                                 "echo $$"});
    ASSERT_EQ(exec.exit_code, 0) << Describe(exec);
    EXPECT_EQ(SplitLines(exec.out).front(), "0") << Describe(exec);
    EXPECT_NE(SplitLines(exec.out).back(), "1") << "the exec'd shell is in the container's pid namespace, not its init";
    ASSERT_EQ(::stat((Rootfs() + "/tmp/by-root").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, uid_);
    EXPECT_EQ(st.st_gid, gid_);
    ASSERT_EQ(::stat((Rootfs() + "/tmp/by-1000").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, subid_start_ + 999);
    EXPECT_EQ(st.st_gid, subid_start_ + 999);
    // An id outside the mapped range cannot be used.
    CommandResult unmapped = AsUser({"exec", "box", "--", "/bin/chown", "70000", "/tmp/by-root"});
    EXPECT_NE(unmapped.exit_code, 0) << Describe(unmapped);

    // Without a cgroup, what needs one says so.
    CommandResult pause = AsUser({"pause", "box"});
    EXPECT_NE(pause.exit_code, 0) << Describe(pause);
    EXPECT_NE(pause.err.find("no cgroup is delegated to its user"), std::string::npos) << Describe(pause);

    CommandResult rm = AsUser({"rm", "--force", "box"});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    EXPECT_FALSE(std::filesystem::exists(runtime_dir_ + "/berth/box"));
    EXPECT_FALSE(std::filesystem::exists(proc + "/ns")) << "the init survived rm";
    ExpectNothingLeftBehind();
}

TEST_F(RootlessTest, ForegroundRunFromTheUsersOwnTomlFile) {
    std::string dir = config_home_ + "/berth/containers";
    // The user's own config dir, made by the user.
    ASSERT_EQ(RunCommand(user_->Argv({}, {"mkdir", "-p", dir})).exit_code, 0);
    std::ofstream(dir + "/hello.toml") << "rootfs = \"" << Rootfs() << "\"\nhostname = \"hello\"\n[process]\n"
                                       << "args = [\"/bin/sh\", \"-c\", \"hostname; id -u; "
                                          "cat /proc/self/uid_map | wc -l; exit 3\"]\n";
    CommandResult r = AsUser({"run", "hello"});
    EXPECT_EQ(r.exit_code, 3) << Describe(r);
    EXPECT_EQ(r.out, "hello\n0\n2\n") << Describe(r);
    EXPECT_EQ(UserContainers(), std::vector<std::string>{});
    ExpectNothingLeftBehind();
}

TEST_F(RootlessTest, JoiningARootOwnedNetnsIsAClearError) {
    std::string netns = "brl" + std::to_string(::getpid());
    CommandResult add = RunCommand({"ip", "netns", "add", netns});
    ASSERT_EQ(add.exit_code, 0) << Describe(add);
    CommandResult r = AsUser({"run", "--netns", "/run/netns/" + netns, "--rootfs", Rootfs(), "--", "/bin/true"});
    RunCommand({"ip", "netns", "delete", netns});
    EXPECT_EQ(r.exit_code, 125) << Describe(r);
    EXPECT_NE(r.err.find("Failed to join the net namespace /run/netns/" + netns +
                         ": it belongs to uid 0 (root), and a rootless container can join no namespace of another "
                         "user's"),
              std::string::npos)
        << Describe(r);
    EXPECT_EQ(UserContainers(), std::vector<std::string>{});
    ExpectNothingLeftBehind();
}

TEST_F(RootlessTest, LimitsWithoutADelegatedCgroupAreAClearError) {
    CommandResult r = AsUser({"run", "--memory", "64M", "--name", "limited", "--rootfs", Rootfs(), "--", "/bin/true"});
    EXPECT_EQ(r.exit_code, 125) << Describe(r);
    EXPECT_NE(r.err.find("Failed to limit container limited (resources.memory_max): running rootless, no cgroup is "
                         "delegated to this user"),
              std::string::npos)
        << Describe(r);
    EXPECT_EQ(UserContainers(), std::vector<std::string>{});
    ExpectNothingLeftBehind();
}

TEST_F(RootlessTest, CheckpointAndRestoreAreAClearError) {
    CommandResult run = AsUser({"run", "--detach", "--name", "kept", "--rootfs", Rootfs(), "--", "/bin/sleep", "1000"});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    std::string images = runtime_dir_ + "/images";
    CommandResult checkpoint = AsUser({"checkpoint", "kept", "--image-path", images});
    EXPECT_EQ(checkpoint.exit_code, 1) << Describe(checkpoint);
    EXPECT_NE(checkpoint.err.find("Failed to checkpoint container kept: running rootless, and CRIU needs"),
              std::string::npos)
        << Describe(checkpoint);
    EXPECT_FALSE(std::filesystem::exists(images));
    CommandResult list = AsUser({"list"});
    EXPECT_TRUE(std::regex_search(list.out, std::regex("\nkept +[0-9]+ +running "))) << "still running: " << Describe(list);
    CommandResult restore = AsUser({"restore", "again", "--image-path", images});
    EXPECT_EQ(restore.exit_code, 1) << Describe(restore);
    EXPECT_NE(restore.err.find("Failed to restore a container: running rootless"), std::string::npos) << Describe(restore);
    EXPECT_EQ(AsUser({"rm", "--force", "kept"}).exit_code, 0);
    ExpectNothingLeftBehind();
}

// The user's own systemd manager (user@UID.service, started in the harness as logind would) makes
// the container's scope over the user bus.
class RootlessUserManagerTest : public harness::SystemdHarnessTest {
protected:
    void SetUp() override {
        SystemdHarnessTest::SetUp();
        if (IsSkipped())
            return;
        if (std::string why = NoTestUserReason(); !why.empty())
            GTEST_SKIP() << why;
        user_ = std::make_unique<TestUser>();
        runtime_dir_ = "/run/user/" + std::to_string(user_->uid);
        // Below the harness dir, which is visible inside; the user may enter it and owns the rootfs.
        dir_ = Harness().Dir() + "/rootless-" + std::to_string(::getpid());
        ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0) << dir_;
        ASSERT_EQ(::chmod(Harness().Dir().c_str(), 0755), 0);
        rootfs_ = dir_ + "/rootfs";
        MakeBusyboxRootfs(rootfs_);
        CommandResult r =
            RunCommand({"chown", "-R", std::to_string(user_->uid) + ":" + std::to_string(user_->gid), rootfs_});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
        r = Run({"systemctl", "start", "user@" + std::to_string(user_->uid) + ".service"});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
        manager_started_ = true;
    }

    void TearDown() override {
        if (manager_started_) {
            CommandResult names = Run({"ls", runtime_dir_ + "/berth"});
            for (const std::string& name : SplitLines(names.out))
                Berthctl({"rm", "--force", name});
            CommandResult r = Run({"systemctl", "stop", "user@" + std::to_string(user_->uid) + ".service"});
            EXPECT_EQ(r.exit_code, 0) << Describe(r);
        }
        if (!dir_.empty())
            RunCommand({"rm", "-rf", dir_});
        if (user_) {
            EXPECT_EQ(user_->Remove(), "");
        }
    }

    CommandResult Berthctl(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {BerthctlPath()};
        argv.insert(argv.end(), args.begin(), args.end());
        return Run(user_->Argv({"XDG_RUNTIME_DIR=" + runtime_dir_}, argv));
    }
    CommandResult UserSystemctl(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {"systemctl", "--user"};
        argv.insert(argv.end(), args.begin(), args.end());
        return Run(user_->Argv({"XDG_RUNTIME_DIR=" + runtime_dir_}, argv));
    }
    // A "KEY" : "VALUE" or "KEY" : NUMBER of `berthctl state NAME`.
    std::string StateField(const std::string& name, const std::string& key) const {
        CommandResult state = Berthctl({"state", name});
        std::smatch m;
        if (!std::regex_search(state.out, m, std::regex("\"" + key + "\" *: *\"?([^\",\n]*)")))
            return "";
        return m[1].str();
    }
    // The line of /proc/PID/cgroup (inside) for a hierarchy ("name=systemd", "memory", "" for 0::).
    std::string CgroupLine(const std::string& pid, const std::string& hierarchy) const {
        for (const std::string& line : SplitLines(Run({"cat", "/proc/" + pid + "/cgroup"}).out)) {
            size_t first = line.find(':');
            size_t second = line.find(':', first + 1);
            if (first != std::string::npos && second != std::string::npos &&
                line.substr(first + 1, second - first - 1) == hierarchy)
                return line.substr(second + 1);
        }
        return "";
    }

    std::unique_ptr<TestUser> user_;
    bool manager_started_ = false;
    std::string runtime_dir_;
    std::string dir_;
    std::string rootfs_;
};

TEST_F(RootlessUserManagerTest, ContainerIsAScopeOfTheUsersOwnManager) {
    CommandResult run = Berthctl({"run", "--detach", "--name", "box", "--rootfs", rootfs_, "--", "/bin/sh", "-c",
                                  "while :; do sleep 0.1; done"});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    EXPECT_EQ(run.err.find("without a cgroup"), std::string::npos) << Describe(run);
    EXPECT_EQ(StateField("box", "driver"), "systemd-user");
    EXPECT_EQ(StateField("box", "unit"), "berth-box.scope");
    CommandResult active = UserSystemctl({"is-active", "berth-box.scope"});
    EXPECT_EQ(active.out, "active\n") << Describe(active);

    // In the user's delegated subtree (name=systemd and the unified tree); the v1 controllers are
    // not delegated, so the process stays where the user manager is there.
    std::string pid = StateField("box", "pid");
    ASSERT_FALSE(pid.empty());
    std::string scope = "/user@" + std::to_string(user_->uid) + ".service/berth.slice/berth-box.scope";
    for (const char* hierarchy : {"name=systemd", ""}) {
        std::string line = CgroupLine(pid, hierarchy);
        EXPECT_TRUE(line.size() > scope.size() && line.compare(line.size() - scope.size(), scope.size(), scope) == 0)
            << "hierarchy '" << hierarchy << "': " << line;
    }
    EXPECT_EQ(CgroupLine(pid, "memory").find("berth-box.scope"), std::string::npos);
    EXPECT_EQ(NormalizedMap(Run({"cat", "/proc/" + pid + "/uid_map"}).out), user_->ExpectedMap(user_->uid));
    CommandResult ps = Berthctl({"ps", "box"});
    EXPECT_NE(SplitLines(ps.out), std::vector<std::string>{}) << Describe(ps);
    EXPECT_NE(ps.out.find(pid), std::string::npos) << Describe(ps);
    CommandResult exec = Berthctl({"exec", "box", "--", "/bin/id", "-u"});
    EXPECT_EQ(exec.exit_code, 0) << Describe(exec);
    EXPECT_EQ(exec.out, "0\n");

    // pause freezes the scope with the cgroup v2 freezer, which needs no controller.
    std::string events = StateField("box", "unified") + "/cgroup.events";
    CommandResult pause = Berthctl({"pause", "box"});
    ASSERT_EQ(pause.exit_code, 0) << Describe(pause);
    EXPECT_NE(Run({"cat", events}).out.find("frozen 1"), std::string::npos) << events;
    CommandResult resume = Berthctl({"resume", "box"});
    EXPECT_EQ(resume.exit_code, 0) << Describe(resume);
    EXPECT_NE(Run({"cat", events}).out.find("frozen 0"), std::string::npos) << events;

    // A limit systemd would accept and not enforce is refused.
    CommandResult update = Berthctl({"update", "box", "--memory", "64M"});
    EXPECT_NE(update.exit_code, 0) << Describe(update);
    EXPECT_NE(update.err.find("the systemd user manager has no controller delegated to it"), std::string::npos)
        << Describe(update);

    CommandResult rm = Berthctl({"rm", "--force", "box"});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    EXPECT_NE(UserSystemctl({"is-active", "berth-box.scope"}).out, "active\n");
    EXPECT_NE(Run({"test", "-e", runtime_dir_ + "/berth/box"}).exit_code, 0) << "state left";
}

TEST_F(RootlessUserManagerTest, LimitsAreAClearErrorWhereNoControllerIsDelegated) {
    CommandResult r = Berthctl({"run", "--memory", "64M", "--name", "limited", "--rootfs", rootfs_, "--", "/bin/true"});
    EXPECT_EQ(r.exit_code, 125) << Describe(r);
    EXPECT_NE(r.err.find("Failed to limit container limited (resources.memory_max): running rootless, the systemd "
                         "user manager has no controller delegated to it"),
              std::string::npos)
        << Describe(r);
    CommandResult units = UserSystemctl({"list-units", "--all", "--no-legend", "berth-*"});
    EXPECT_EQ(units.out, "") << Describe(units);
}

}  // namespace
}  // namespace berth::testing
