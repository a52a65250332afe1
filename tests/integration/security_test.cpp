// Issue 19: hostile use of berthctl from inside and outside a container. Each test failed against
// the berthctl of main before these fixes (run with BERTHCTL=/path/to/old/berthctl).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>
#include <vector>

#include "fixture.hpp"

namespace berth::testing {
namespace {

std::string ReadBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The init of the CVE-2019-5736 test: three loops that open /proc/PID/exe of every new pid and,
// when it is not busybox (so berthctl before its execve), re-opens it for writing through
// /proc/self/fd/3 until that works: once the binary no longer runs (ETXTBSY until then).
const char* kExeOverwriter = R"(
attack() {
  [ /proc/self/fd/3 -ef /bin/busybox ] && return 0
  until printf BERTH >> /proc/self/fd/3; do :; done
}
scan() {
  while :; do
    for d in /proc/[0-9]*; do
      { attack; } 3< $d/exe
    done 2>/dev/null
  done
}
scan & scan & scan &
wait
)";

class SecurityTest : public BerthFixture {};

// Item 1: CAP_SYS_PTRACE defeats the non-dumpable flag; only a sealed copy protects the binary.
TEST_F(SecurityTest, ContainerWithSysPtraceCannotOverwriteBerthctlDuringExec) {
    if (IsSkipped())
        return;
    std::string copy = TempDir() + "/berthctl-copy";
    std::string original = ReadBytes(BerthctlPath());
    ASSERT_FALSE(original.empty());
    {
        std::ofstream out(copy, std::ios::binary);
        out << original;
    }
    ASSERT_EQ(::chmod(copy.c_str(), 0755), 0);
    std::string name = UniqueName("ptrace");
    std::string caps = "[\"chown\", \"dac_override\", \"fowner\", \"kill\", \"setuid\", \"setgid\", \"sys_ptrace\"]";
    std::string script = kExeOverwriter;
    std::string escaped;
    for (char c : script)
        escaped += c == '\n' ? std::string("\\n") : c == '"' ? std::string("\\\"") : std::string(1, c);
    WriteContainerToml(name, "rootfs = \"" + Rootfs() + "\"\n[process]\nargs = [\"/bin/sh\", \"-c\", \"" + escaped +
                                 "\"]\n[capabilities]\nbounding = " + caps + "\neffective = " + caps +
                                 "\npermitted = " + caps + "\ninheritable = " + caps + "\nambient = " + caps + "\n");
    // The container's keeper runs the original; only the execs run the copy, which is thus free
    // to be written between them.
    CommandResult run = Berthctl({"run", "--detach", name});
    EXPECT_EQ(run.exit_code, 0) << Describe(run);
    const char* old_env = std::getenv("BERTHCTL");
    std::string restore_env = old_env ? old_env : "";
    ::setenv("BERTHCTL", copy.c_str(), 1);

    for (int i = 0; i < 25 && run.exit_code == 0; ++i)
        Berthctl({"exec", name, "--", "true"});
    if (old_env)
        ::setenv("BERTHCTL", restore_env.c_str(), 1);
    else
        ::unsetenv("BERTHCTL");
    // Between and after the execs the copy runs nowhere: an fd the attacker got could be written.
    std::this_thread::sleep_for(3s);
    Berthctl({"rm", "--force", name});
    std::string after = ReadBytes(copy);
    EXPECT_EQ(after.size(), original.size());
    EXPECT_TRUE(after == original) << "the container wrote into the host's berthctl";
}

// Item 2: a limit too small to start with is refused before anything exists.
TEST_F(SecurityTest, TinyMemoryLimitIsAClearErrorAndLeavesNothing) {
    if (IsSkipped())
        return;
    for (const char* limit : {"1", "0"}) {
        std::string name = UniqueName("tinymem");
        CommandResult r = Berthctl({"run", "--rootfs", Rootfs(), "--name", name, "--memory", limit, "--", "true"});
        EXPECT_NE(r.exit_code, 0) << Describe(r);
        EXPECT_NE(r.exit_code, 137) << "the OOM killer took berthctl: " << Describe(r);
        EXPECT_NE(r.err.find("resources.memory_max: expected at least 8M"), std::string::npos) << Describe(r);
        EXPECT_TRUE(CgroupDirsContaining(name).empty());
        EXPECT_EQ(::access((StateDir() + "/" + name).c_str(), F_OK), -1) << "a state dir was left";
    }
    ExpectNothingLeftBehind();
}

const char* kV1Memory = "/sys/fs/cgroup/memory";

// Item 2 for update: the minimum run checks holds for `update` too (memory_max and memory_high);
// the refused update changes neither the cgroup nor the recorded configuration.
TEST_F(SecurityTest, UpdateRefusesAMemoryLimitBelowTheMinimumAndChangesNothing) {
    if (IsSkipped())
        return;
    if (::access((std::string(kV1Memory) + "/memory.limit_in_bytes").c_str(), F_OK) != 0)
        GTEST_SKIP() << "no cgroup v1 memory hierarchy at " << kV1Memory;
    std::string name = UniqueName("updmem");
    CommandResult run = Berthctl({"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--memory", "64M", "--",
                                  "sleep", "1000"});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    const std::string limit_file = std::string(kV1Memory) + "/berth/" + name + "/memory.limit_in_bytes";
    ASSERT_EQ(ReadBytes(limit_file), "67108864\n");
    for (const auto& [option, key] : {std::pair{"--memory", "resources.memory_max"},
                                      std::pair{"--memory-high", "resources.memory_high"}}) {
        for (const char* value : {"1", "0", "7M"}) {
            CommandResult r = Berthctl({"update", name, option, value});
            EXPECT_NE(r.exit_code, 0) << Describe(r);
            EXPECT_NE(r.err.find(std::string(key) + ": expected at least 8M"), std::string::npos) << Describe(r);
            EXPECT_NE(r.err.find(std::string("got ") + (std::string(value) == "7M" ? "7M" : value)), std::string::npos)
                << "the error does not name the value: " << Describe(r);
        }
    }
    EXPECT_EQ(ReadBytes(limit_file), "67108864\n") << "a refused update changed the limit";
    EXPECT_NE(ReadBytes(StateDir() + "/" + name + "/config.toml").find("memory_max = \"64M\""), std::string::npos);
    CommandResult ok = Berthctl({"update", name, "--memory", "8M"});
    EXPECT_EQ(ok.exit_code, 0) << Describe(ok);
    EXPECT_EQ(ReadBytes(limit_file), "8388608\n");
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// Item 2: the leftovers of a launch that died (berthctl killed): rm --force removes the cgroups,
// and a run reusing the name gets a fresh cgroup without the old limits.
TEST_F(SecurityTest, LeftoverCgroupsAreRemovedOrReset) {
    if (IsSkipped())
        return;
    if (::access((std::string(kV1Memory) + "/memory.limit_in_bytes").c_str(), F_OK) != 0)
        GTEST_SKIP() << "no cgroup v1 memory hierarchy at " << kV1Memory;
    std::string name = UniqueName("leftover");
    std::string dir = std::string(kV1Memory) + "/berth/" + name;
    // Every limit of a leftover goes, not just memory: the v1 pids and cpu hierarchies as well
    // (where this host has them), each with a value the new run does not ask for.
    struct OtherLimit {
        std::string dir, file, value;
    };
    std::vector<OtherLimit> others;
    for (const auto& [hierarchy, file, value] :
         {std::tuple{"pids", "pids.max", "5"}, std::tuple{"cpu", "cpu.cfs_quota_us", "10000"}})
        if (::access((std::string("/sys/fs/cgroup/") + hierarchy + "/" + file).c_str(), F_OK) == 0)
            others.push_back({std::string("/sys/fs/cgroup/") + hierarchy + "/berth/" + name, file, value});
    auto make_leftover = [&] {
        ::mkdir((std::string(kV1Memory) + "/berth").c_str(), 0755);
        ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
        std::ofstream(dir + "/memory.limit_in_bytes") << "16777216";
        for (const OtherLimit& other : others) {
            ::mkdir(other.dir.substr(0, other.dir.rfind('/')).c_str(), 0755);
            ASSERT_EQ(::mkdir(other.dir.c_str(), 0755), 0) << other.dir;
            std::ofstream(other.dir + "/" + other.file) << other.value;
            ASSERT_EQ(ReadBytes(other.dir + "/" + other.file), other.value + "\n");
        }
        ASSERT_EQ(::mkdir((StateDir() + "/" + name).c_str(), 0700), 0);  // a state dir without state
    };
    make_leftover();
    CommandResult rm = Berthctl({"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    EXPECT_EQ(::access(dir.c_str(), F_OK), -1) << dir << " was left by rm --force";
    for (const OtherLimit& other : others)
        EXPECT_EQ(::access(other.dir.c_str(), F_OK), -1) << other.dir << " was left by rm --force";

    ::rmdir(dir.c_str());
    for (const OtherLimit& other : others)
        ::rmdir(other.dir.c_str());
    make_leftover();
    ::rmdir((StateDir() + "/" + name).c_str());
    CommandResult run = Berthctl({"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--", "sleep", "100"});
    ASSERT_EQ(run.exit_code, 0) << Describe(run);
    std::string limit = ReadBytes(dir + "/memory.limit_in_bytes");
    EXPECT_NE(limit, "16777216\n") << "the leftover cgroup kept its memory limit";
    for (const OtherLimit& other : others)
        EXPECT_NE(ReadBytes(other.dir + "/" + other.file), other.value + "\n")
            << "the leftover cgroup kept " << other.dir << "/" << other.file;
    Berthctl({"rm", "--force", name});
    ExpectNothingLeftBehind();
}

// Item 7: flags get the checks files get, before anything is created.
TEST_F(SecurityTest, FlagsAreValidatedLikeFiles) {
    if (IsSkipped())
        return;
    std::string name = UniqueName("flags");
    CommandResult host = Berthctl(
        {"run", "--rootfs", Rootfs(), "--name", name, "--hostname", std::string(100, 'h'), "--", "true"});
    EXPECT_NE(host.exit_code, 0);
    EXPECT_NE(host.err.find("hostname: expected a host name of at most 64"), std::string::npos) << Describe(host);
    CommandResult root = Berthctl({"run", "--rootfs", "/", "--name", name, "--", "true"});
    EXPECT_NE(root.exit_code, 0);
    EXPECT_NE(root.err.find("not the host's \"/\""), std::string::npos) << Describe(root);
    CommandResult esc = Berthctl({"run", "--rootfs", Rootfs(), "--name", name, "--hostname", "a\x1b[31m", "--", "true"});
    EXPECT_NE(esc.exit_code, 0);
    EXPECT_EQ(esc.err.find('\x1b'), std::string::npos) << "an ESC reached the terminal";
    ExpectNothingLeftBehind();
}

// Item 6: check-config on a FIFO returns at once with an error naming it.
TEST_F(SecurityTest, CheckConfigOnAFifoFailsAtOnce) {
    if (IsSkipped())
        return;
    std::string fifo = TempDir() + "/fifo.toml";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    CommandResult r = Berthctl({"check-config", fifo}, "", 20s);
    EXPECT_FALSE(r.timed_out) << "check-config hung on a FIFO";
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find(fifo), std::string::npos) << Describe(r);
    EXPECT_NE(r.err.find("a FIFO"), std::string::npos) << Describe(r);
}

}  // namespace
}  // namespace berth::testing
