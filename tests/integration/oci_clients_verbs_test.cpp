// berth-runtime's verbs beyond the lifecycle, driven as the OCI clients drive them, on bundles
// made with `berth-runtime spec` and edited: exec (--process JSON, flags, --detach with
// --pid-file, --tty through --console-socket), ps, events --stats, pause/resume, update, list,
// features, and checkpoint/restore of a container that joined a netns by path.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "fixture.hpp"
#include "util/fd_passing.hpp"
#include "read_text.hpp"

namespace berth::testing {
namespace {

using nlohmann::json;

class RuntimeVerbs : public BerthFixture {
protected:
    void SetUp() override {
        BerthFixture::SetUp();
        if (::access(BERTH_TEST_RUNTIME, X_OK) != 0)
            GTEST_SKIP() << BERTH_TEST_RUNTIME << " is not built";
    }
    void TearDown() override {
        for (const std::string& id : ids_)
            Runtime({"delete", "--force", id});
        for (const std::string& netns : netns_)
            RunCommand({"ip", "netns", "delete", netns});
        BerthFixture::TearDown();
    }

    CommandResult Runtime(const std::vector<std::string>& args, const std::string& stdin_data = "") {
        std::vector<std::string> argv = {BERTH_TEST_RUNTIME, "--root", StateDir()};
        argv.insert(argv.end(), args.begin(), args.end());
        return RunningCommand(argv, stdin_data).Wait(120s);
    }

    // `berth-runtime spec` in a new bundle dir, edited: our rootfs, args, no terminal.
    json Spec(const std::vector<std::string>& args) {
        std::string dir = TempDir() + "/spec" + std::to_string(++bundles_);
        ::mkdir(dir.c_str(), 0755);
        CommandResult r = Runtime({"spec", "--bundle", dir});
        EXPECT_EQ(r.exit_code, 0) << Describe(r);
        json spec = json::parse(ReadText(dir + "/config.json"));
        spec["root"] = {{"path", Rootfs()}, {"readonly", true}};
        spec["process"]["args"] = args;
        spec["process"]["terminal"] = false;
        return spec;
    }
    std::string WriteBundle(const json& spec) {
        std::string dir = TempDir() + "/bundle" + std::to_string(++bundles_);
        ::mkdir(dir.c_str(), 0755);
        std::ofstream(dir + "/config.json") << spec.dump(2);
        return dir;
    }
    // create + start of spec as a new container; returns its id.
    std::string Started(const json& spec, const std::string& base) {
        std::string id = UniqueName(base);
        ids_.push_back(id);
        std::string bundle = WriteBundle(spec);
        CommandResult created = Runtime({"create", "--bundle", bundle, id});
        EXPECT_EQ(created.exit_code, 0) << Describe(created);
        CommandResult started = Runtime({"start", id});
        EXPECT_EQ(started.exit_code, 0) << Describe(started);
        return id;
    }
    std::string Status(const std::string& id) {
        CommandResult r = Runtime({"state", id});
        return r.exit_code == 0 ? json::parse(r.out).value("status", "") : "error: " + r.err;
    }
    std::string NewNetns() {
        netns_.push_back(UniqueName("net"));
        EXPECT_EQ(RunCommand({"ip", "netns", "add", netns_.back()}).exit_code, 0);
        return netns_.back();
    }

    std::vector<std::string> ids_;
    std::vector<std::string> netns_;
    int bundles_ = 0;
};

// An init that runs until SIGTERM and ends with status 0 then.
const std::vector<std::string> kWaiting = {"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"};

TEST_F(RuntimeVerbs, SpecWritesARuncStyleDefaultThatRuns) {
    json spec = Spec({"/bin/sh", "-c", "echo $$ $(hostname)"});
    EXPECT_EQ(spec["root"]["path"], Rootfs());
    EXPECT_EQ(spec["linux"]["namespaces"].size(), 6u);
    std::string id = UniqueName("spec");
    ids_.push_back(id);
    CommandResult r = Runtime({"run", "--bundle", WriteBundle(spec), id});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "1 berth\n") << Describe(r);
}

TEST_F(RuntimeVerbs, ExecWithProcessJsonFlagsAndDetach) {
    std::string id = Started(Spec(kWaiting), "exec");
    // runtime-spec Process as conmon and the shim write it: its own env, user and cwd.
    json process = {{"args", {"/bin/sh", "-c", "echo $ONLY $(id -u):$(id -g) $PWD; exit 5"}},
                    {"env", {"ONLY=process-json", "PATH=/bin"}},
                    {"cwd", "/tmp"},
                    {"user", {{"uid", 65534}, {"gid", 65534}}}};
    std::string process_file = TempDir() + "/process.json";
    std::ofstream(process_file) << process.dump();
    CommandResult with_json = Runtime({"exec", "--process", process_file, id});
    EXPECT_EQ(with_json.exit_code, 5) << Describe(with_json);
    EXPECT_EQ(with_json.out, "process-json 65534:65534 /tmp\n") << Describe(with_json);

    CommandResult with_flags = Runtime({"exec", "--env", "ADDED=1", "--user", "1000:1001", "--cwd", "/", id,
                                        "/bin/sh", "-c", "echo $ADDED $(id -u):$(id -g) $PATH"});
    EXPECT_EQ(with_flags.exit_code, 0) << Describe(with_flags);
    EXPECT_EQ(with_flags.out.rfind("1 1000:1001 /usr/local/sbin", 0), 0u) << "the container's env plus --env: "
                                                                            << Describe(with_flags);

    std::string pid_file = TempDir() + "/exec.pid";
    CommandResult detached = Runtime({"exec", "--detach", "--pid-file", pid_file, id, "/bin/sleep", "1000"});
    ASSERT_EQ(detached.exit_code, 0) << Describe(detached);
    pid_t pid = std::stoi(ReadText(pid_file));
    EXPECT_EQ(ReadText("/proc/" + std::to_string(pid) + "/cmdline"), std::string("/bin/sleep\0001000\0", 16));
    CommandResult ps = Runtime({"ps", "--format", "json", id});
    ASSERT_EQ(ps.exit_code, 0) << Describe(ps);
    std::vector<pid_t> pids = json::parse(ps.out).get<std::vector<pid_t>>();
    EXPECT_NE(std::find(pids.begin(), pids.end(), pid), pids.end()) << "the detached process is in the cgroup: " << ps.out;
    ::kill(pid, SIGKILL);
}

TEST_F(RuntimeVerbs, ExecTtyHandsThePtyMasterToTheConsoleSocket) {
    std::string id = Started(Spec(kWaiting), "tty");
    std::string socket_path = TempDir() + "/console.sock";
    UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, socket_path.c_str());
    ASSERT_EQ(::bind(listener.Get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_EQ(::listen(listener.Get(), 1), 0);

    CommandResult exec = Runtime({"exec", "--detach", "--tty", "--console-socket", socket_path, id, "/bin/sh", "-c",
                                  "echo on-$(tty); sleep 2"});
    ASSERT_EQ(exec.exit_code, 0) << Describe(exec);
    UniqueFd connection(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(connection);
    std::optional<ReceivedMessage> message = ReceiveWithFds(connection.Get(), 4096, 1);
    ASSERT_TRUE(message && message->fds.size() == 1) << "one fd over SCM_RIGHTS";
    std::string seen;
    for (int i = 0; i < 50 && seen.find("/dev/pts/") == std::string::npos; ++i) {
        pollfd p{message->fds[0].Get(), POLLIN, 0};
        if (::poll(&p, 1, 100) > 0) {
            char buf[256];
            ssize_t n = ::read(message->fds[0].Get(), buf, sizeof(buf));
            if (n <= 0)
                break;
            seen.append(buf, static_cast<size_t>(n));
        }
    }
    EXPECT_NE(seen.find("on-/dev/pts/"), std::string::npos) << "the process' tty output on the master: " << seen;
}

TEST_F(RuntimeVerbs, PauseResumeUpdateEventsAndList) {
    std::string id = Started(Spec(kWaiting), "verbs");
    ASSERT_EQ(Runtime({"pause", id}).exit_code, 0);
    EXPECT_EQ(Status(id), "paused");
    ASSERT_EQ(Runtime({"resume", id}).exit_code, 0);
    EXPECT_EQ(Status(id), "running");

    CommandResult update = Runtime({"update", "--memory", "64m", "--pids-limit", "50", id});
    EXPECT_EQ(update.exit_code, 0) << Describe(update);
    CommandResult from_stdin = Runtime({"update", "--resources", "-", id}, R"({"pids": {"limit": 40}})");
    EXPECT_EQ(from_stdin.exit_code, 0) << Describe(from_stdin);
    CommandResult events = Runtime({"events", "--stats", id});
    ASSERT_EQ(events.exit_code, 0) << Describe(events);
    json event = json::parse(events.out);
    EXPECT_EQ(event["type"], "stats");
    EXPECT_EQ(event["id"], id);
    EXPECT_EQ(event["data"]["memory"]["usage"]["limit"], 64u << 20) << events.out;
    EXPECT_EQ(event["data"]["pids"]["limit"], 40) << events.out;
    EXPECT_GE(event["data"]["pids"]["current"], 2) << events.out;

    CommandResult quiet = Runtime({"list", "-q"});
    EXPECT_EQ(quiet.out, id + "\n") << Describe(quiet);
    CommandResult listed = Runtime({"list", "--format", "json"});
    ASSERT_EQ(listed.exit_code, 0) << Describe(listed);
    json all = json::parse(listed.out);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0]["status"], "running");
    EXPECT_EQ(all[0]["id"], id);
}

TEST_F(RuntimeVerbs, FeaturesDescribeWhatBerthHonours) {
    CommandResult r = Runtime({"features"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    json features = json::parse(r.out);
    EXPECT_EQ(features["ociVersionMax"], "1.2.0");
    EXPECT_EQ(features["hooks"].size(), 6u);
    EXPECT_NE(std::find(features["mountOptions"].begin(), features["mountOptions"].end(), "rbind"),
              features["mountOptions"].end());
    EXPECT_NE(std::find(features["linux"]["capabilities"].begin(), features["linux"]["capabilities"].end(),
                        "CAP_SYS_ADMIN"),
              features["linux"]["capabilities"].end());
    EXPECT_EQ(features["linux"]["apparmor"]["enabled"], false);
    // Seccomp is honoured: each action, operator and flag it lists is one the converter takes.
    const json& seccomp = features["linux"]["seccomp"];
    EXPECT_EQ(seccomp["enabled"], true);
    EXPECT_NE(std::find(seccomp["actions"].begin(), seccomp["actions"].end(), "SCMP_ACT_ERRNO"), seccomp["actions"].end());
    EXPECT_EQ(std::find(seccomp["actions"].begin(), seccomp["actions"].end(), "SCMP_ACT_NOTIFY"), seccomp["actions"].end())
        << "refused: Berth passes on no seccomp listener";
    EXPECT_EQ(seccomp["operators"].size(), 7u);
    EXPECT_EQ(seccomp["supportedFlags"].size(), 3u);
}

TEST_F(RuntimeVerbs, CheckpointRestoreIntoTheJoinedNetnsAndFailWhenItIsGone) {
    std::string netns = NewNetns();
    json spec = Spec({"/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /dev/shm/count; sleep 0.1; done"});
    for (json& ns : spec["linux"]["namespaces"])
        if (ns["type"] == "network")
            ns["path"] = "/run/netns/" + netns;
    std::string bundle = WriteBundle(spec);
    std::string id = UniqueName("ckpt");
    ids_.push_back(id);
    ASSERT_EQ(Runtime({"create", "--bundle", bundle, id}).exit_code, 0);
    ASSERT_EQ(Runtime({"start", id}).exit_code, 0);
    std::this_thread::sleep_for(500ms);
    std::string images = TempDir() + "/images";
    CommandResult checkpoint = Runtime({"checkpoint", "--image-path", images, "--work-path", TempDir() + "/work", id});
    ASSERT_EQ(checkpoint.exit_code, 0) << Describe(checkpoint);
    EXPECT_EQ(Status(id), "stopped");
    ASSERT_EQ(Runtime({"delete", id}).exit_code, 0) << "podman deletes the container after a checkpoint";

    CommandResult restore = Runtime({"restore", "--detach", "--bundle", bundle, "--image-path", images, id});
    ASSERT_EQ(restore.exit_code, 0) << Describe(restore);
    EXPECT_EQ(Status(id), "running");
    CommandResult inside = Runtime({"exec", id, "/bin/sh", "-c", "readlink /proc/1/ns/net; cat /dev/shm/count"});
    struct stat st{};
    ASSERT_EQ(::stat(("/run/netns/" + netns).c_str(), &st), 0);
    EXPECT_EQ(inside.out.rfind("net:[" + std::to_string(st.st_ino) + "]\n", 0), 0u) << Describe(inside);

    ASSERT_EQ(Runtime({"checkpoint", "--image-path", images + "2", id}).exit_code, 0);
    ASSERT_EQ(Runtime({"delete", id}).exit_code, 0);
    ASSERT_EQ(RunCommand({"ip", "netns", "delete", netns}).exit_code, 0);
    CommandResult gone = Runtime({"restore", "--detach", "--bundle", bundle, "--image-path", images + "2", id});
    EXPECT_NE(gone.exit_code, 0) << Describe(gone);
    EXPECT_NE(gone.err.find("/run/netns/" + netns), std::string::npos) << "names the missing netns: " << Describe(gone);
}

// runc's --page-server: the pages go to a `criu page-server` (the receiving host's, as runc's
// users start it), the rest into --image-path; restored from the two put together.
TEST_F(RuntimeVerbs, CheckpointWithPageServerSendsThePagesThereAndRestoresFromBoth) {
    json spec = Spec({"/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /dev/shm/count; sleep 0.1; done"});
    std::string bundle = WriteBundle(spec);
    std::string id = UniqueName("ps");
    ids_.push_back(id);
    ASSERT_EQ(Runtime({"create", "--bundle", bundle, id}).exit_code, 0);
    ASSERT_EQ(Runtime({"start", id}).exit_code, 0);
    std::this_thread::sleep_for(500ms);

    CommandResult lazy = Runtime({"checkpoint", "--image-path", TempDir() + "/lazy", "--lazy-pages", id});
    EXPECT_NE(lazy.exit_code, 0) << Describe(lazy);
    EXPECT_NE(lazy.err.find("--lazy-pages: not supported by Berth"), std::string::npos) << Describe(lazy);
    EXPECT_EQ(Status(id), "running");

    const std::string images = TempDir() + "/images", pages = TempDir() + "/pages";
    std::filesystem::create_directories(pages);
    const std::string port = std::to_string(20000 + ::getpid() % 20000);
    CommandResult server = RunCommand({"/bin/sh", "-c", "exec criu page-server --images-dir " + pages +
                                                            " --address 127.0.0.1 --port " + port + " -d -o ps.log"});
    ASSERT_EQ(server.exit_code, 0) << Describe(server);
    CommandResult checkpoint = Runtime({"checkpoint", "--image-path", images, "--page-server", "127.0.0.1:" + port, id});
    ASSERT_EQ(checkpoint.exit_code, 0) << Describe(checkpoint);
    auto has_pages = [](const std::string& dir) {
        for (const auto& entry : std::filesystem::directory_iterator(dir))
            if (entry.path().filename().string().rfind("pages-", 0) == 0)
                return true;
        return false;
    };
    EXPECT_FALSE(has_pages(images)) << "the dump wrote its pages locally";
    EXPECT_TRUE(has_pages(pages)) << "the page server received no pages";
    ASSERT_EQ(Runtime({"delete", id}).exit_code, 0);
    CommandResult copy = RunCommand({"/bin/sh", "-c", "exec cp -a " + images + "/. " + pages + "/"});
    ASSERT_EQ(copy.exit_code, 0) << Describe(copy);

    CommandResult restore = Runtime({"restore", "--detach", "--bundle", bundle, "--image-path", pages, id});
    ASSERT_EQ(restore.exit_code, 0) << Describe(restore);
    EXPECT_EQ(Status(id), "running");
    CommandResult first = Runtime({"exec", id, "/bin/cat", "/dev/shm/count"});
    std::this_thread::sleep_for(300ms);
    CommandResult later = Runtime({"exec", id, "/bin/cat", "/dev/shm/count"});
    EXPECT_GT(std::atol(first.out.c_str()), 3) << "the count started again: " << Describe(first);
    EXPECT_GT(std::atol(later.out.c_str()), std::atol(first.out.c_str())) << "the restored loop does not run";
}

}  // namespace
}  // namespace berth::testing
