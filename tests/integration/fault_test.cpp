// Faults (issue 14): `kill -9` of berthctl at each phase of run (foreground and --detach), exec,
// checkpoint and restore, injected at berthctl's phase markers (util/phase_marker.hpp): afterwards
// the container is fully there (listed, `rm --force` removes every trace) or fully gone, and a
// checkpoint's images still restore. Also a full state disk and a corrupt state.toml: clear errors
// naming the file, nothing else lost.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "fixture.hpp"
#include "util/fd.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kSleeper = {"/bin/sh", "-c",
                                           "trap 'exit 0' TERM; while :; do sleep 0.1; done"};

struct Phase {
    std::string name;
    pid_t pid = -1;  // the berthctl process (the caller or its monitor) that reached it
};

// berthctl started with BERTH_PHASE_FD / BERTH_PHASE_ACK_FD: it stops at each phase marker until
// acknowledged, so the test can SIGKILL it right there.
class PhasedBerthctl {
public:
    explicit PhasedBerthctl(const std::vector<std::string>& argv) {
        int markers[2], acks[2];
        if (::pipe2(markers, O_CLOEXEC) < 0 || ::pipe2(acks, O_CLOEXEC) < 0)
            throw std::runtime_error("pipe2 failed");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::setpgid(0, 0);
            // 3: markers (write), 4: acknowledgements (read); both inherited (dup2 clears CLOEXEC).
            ::dup2(markers[1], 3);
            ::dup2(acks[0], 4);
            int null = ::open("/dev/null", O_RDWR);
            ::dup2(null, 0);
            ::dup2(null, 1);
            ::dup2(null, 2);
            ::setenv("BERTH_PHASE_FD", "3", 1);
            ::setenv("BERTH_PHASE_ACK_FD", "4", 1);
            std::vector<char*> args;
            for (const std::string& a : argv)
                args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(markers[1]);
        ::close(acks[0]);
        markers_ = markers[0];
        acks_ = acks[1];
    }
    ~PhasedBerthctl() {
        ::close(markers_);
        ::close(acks_);
        KillAll();
    }

    // The next phase reached, or nothing once every berthctl process has closed the marker pipe.
    std::optional<Phase> Next() {
        for (;;) {
            size_t newline = buffer_.find('\n');
            if (newline != std::string::npos) {
                std::string line = buffer_.substr(0, newline);
                buffer_.erase(0, newline + 1);
                std::smatch m;
                if (std::regex_match(line, m, std::regex(R"(phase (\S+) (\d+))")))
                    return Phase{m[1].str(), std::stoi(m[2].str())};
                continue;
            }
            char chunk[256];
            ssize_t n = ::read(markers_, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return std::nullopt;
            buffer_.append(chunk, static_cast<size_t>(n));
        }
    }
    void Ack() {
        char byte = 1;
        if (::write(acks_, &byte, 1) != 1)
            ADD_FAILURE() << "cannot acknowledge a phase";
    }
    // kill -9 of berthctl: the process at the marker and the command the test started.
    void KillAt(const Phase& phase) {
        // A detached run's monitor is no child of ours: wait until it is gone too, or what it held
        // (the container's lock) may still be held when the check looks.
        UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, phase.pid, 0)));
        ::kill(phase.pid, SIGKILL);
        if (pidfd) {
            struct pollfd gone = {pidfd.Get(), POLLIN, 0};
            while (::poll(&gone, 1, 30000) < 0 && errno == EINTR) {
            }
        }
        KillAll();
    }
    // Acknowledges every phase to the end; returns the phases seen and the exit code.
    std::vector<std::string> RunThrough(int* exit_code) {
        std::vector<std::string> phases;
        while (std::optional<Phase> p = Next()) {
            phases.push_back(p->name);
            Ack();
        }
        *exit_code = Wait();
        return phases;
    }
    int Wait() {
        if (pid_ <= 0)
            return status_;
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        status_ = ExitCodeOf(status);
        return status_;
    }

private:
    void KillAll() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            Wait();
        }
    }
    pid_t pid_ = -1;
    int status_ = -1;
    int markers_ = -1;
    int acks_ = -1;
    std::string buffer_;
};

class FaultTest : public BerthFixture {
protected:
    // What must hold after any kill: the container is fully there (listed; `rm --force` removes it,
    // its cgroups, processes and mounts) or fully gone. Returns true when it was there.
    bool ExpectThereOrGone(const std::string& name, const std::string& where) {
        SCOPED_TRACE(where);
        bool there = fs::exists(StateDir() + "/" + name);
        if (there) {
            CommandResult list = Berthctl({"list"});
            EXPECT_EQ(list.exit_code, 0) << Describe(list);
            EXPECT_TRUE(list.out.find(name) != std::string::npos || list.err.find(name) != std::string::npos)
                << "a state directory `list` does not show: " << Describe(list);
            CommandResult rm = Berthctl({"rm", "--force", name});
            EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
        }
        ExpectNothingLeftBehind();
        return there;
    }

    // Runs `args` once acknowledging every phase (they must include `expected`), then once per phase
    // with a kill there; `prepare` makes what the command needs, `check` asserts after each kill.
    void KillAtEachPhase(const std::string& base, const std::vector<std::string>& expected,
                         const std::function<std::vector<std::string>(const std::string& name)>& prepare,
                         const std::function<void(const std::string& name, const std::string& phase)>& check) {
        std::vector<std::string> phases;
        {
            std::string name = UniqueName(base);
            PhasedBerthctl cmd(BerthctlArgv(prepare(name)));
            int exit_code = -1;
            phases = cmd.RunThrough(&exit_code);
            EXPECT_EQ(exit_code, 0) << "the unharmed command failed; phases: " << ::testing::PrintToString(phases);
            for (const std::string& want : expected)
                EXPECT_NE(std::find(phases.begin(), phases.end(), want), phases.end())
                    << "no phase " << want << " in " << ::testing::PrintToString(phases);
            Berthctl({"rm", "--force", name});
            ExpectNothingLeftBehind();
        }
        for (size_t target = 0; target < phases.size(); ++target) {
            std::string name = UniqueName(base);
            std::vector<std::string> argv = prepare(name);
            PhasedBerthctl cmd(BerthctlArgv(argv));
            bool killed = false;
            while (std::optional<Phase> p = cmd.Next()) {
                if (p->name == phases[target]) {
                    cmd.KillAt(*p);
                    killed = true;
                    break;
                }
                cmd.Ack();
            }
            EXPECT_TRUE(killed) << "phase " << phases[target] << " not reached";
            check(name, phases[target]);
        }
    }

    std::string ImageDir(const std::string& name) const { return TempDir() + "/images-" + name; }
};

TEST_F(FaultTest, KillOfForegroundRunAtEachPhaseLeavesContainerWholeOrGone) {
    KillAtEachPhase(
        "fg",
        {"run-locked", "run-recorded-creating", "run-recorded-placement", "run-launched", "run-recorded",
         "run-reaped", "run-destroyed"},
        [&](const std::string& name) {
            return std::vector<std::string>{"run", "--rootfs", Rootfs(), "--name", name, "--", "/bin/true"};
        },
        [&](const std::string& name, const std::string& phase) { ExpectThereOrGone(name, "killed at " + phase); });
}

TEST_F(FaultTest, KillOfDetachedRunAtEachPhaseLeavesContainerWholeOrGone) {
    KillAtEachPhase(
        "bg",
        {"run-locked", "run-recorded-creating", "run-recorded-placement", "run-launched", "run-recorded",
         "detach-reported"},
        [&](const std::string& name) {
            std::vector<std::string> argv = {"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--"};
            argv.insert(argv.end(), kSleeper.begin(), kSleeper.end());
            return argv;
        },
        [&](const std::string& name, const std::string& phase) {
            // Killed once the start was recorded (and the init may exec): the container runs.
            if (phase == "run-recorded" || phase == "detach-reported") {
                EXPECT_EQ(Status(name), "running") << "killed at " << phase;
            }
            ExpectThereOrGone(name, "killed at " + phase);
        });
}

// The container half-made by a kill right after the launch (the orphan of issue 14): `list` shows
// it as creating, with its init; `rm --force` takes init and cgroups down.
TEST_F(FaultTest, KillRightAfterLaunchLeavesCreatingEntryThatRmForceRemoves) {
    std::string name = UniqueName("orphan");
    std::vector<std::string> argv = {"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--"};
    argv.insert(argv.end(), kSleeper.begin(), kSleeper.end());
    PhasedBerthctl cmd(BerthctlArgv(argv));
    while (std::optional<Phase> p = cmd.Next()) {
        if (p->name == "run-launched") {
            cmd.KillAt(*p);
            break;
        }
        cmd.Ack();
    }
    ASSERT_TRUE(fs::exists(StateDir() + "/" + name + "/state.toml"));
    CommandResult list = Berthctl({"list"});
    EXPECT_NE(list.out.find(name), std::string::npos) << Describe(list);
    EXPECT_EQ(Status(name), "creating");
    EXPECT_FALSE(ProcessesRootedIn(Rootfs()).empty()) << "the init should run (it was exec'd)";
    EXPECT_FALSE(CgroupDirsContaining(name).empty());
    CommandResult rm_plain = Berthctl({"rm", name});
    EXPECT_NE(rm_plain.exit_code, 0) << "a half-created container with a running init needs --force";
    CommandResult rm = Berthctl({"rm", "--force", name});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    ExpectNothingLeftBehind();
}

TEST_F(FaultTest, KillOfExecAtEachPhaseLeavesContainerRunning) {
    KillAtEachPhase(
        "ex", {"exec-locked", "exec-started", "exec-reaped"},
        [&](const std::string& name) {
            std::vector<std::string> run = {"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--"};
            run.insert(run.end(), kSleeper.begin(), kSleeper.end());
            CommandResult r = Berthctl(run);
            EXPECT_EQ(r.exit_code, 0) << Describe(r);
            return std::vector<std::string>{"exec", name, "--", "/bin/true"};
        },
        [&](const std::string& name, const std::string& phase) {
            SCOPED_TRACE("killed at " + phase);
            EXPECT_EQ(Status(name), "running");
            CommandResult again = Berthctl({"exec", name, "--", "/bin/true"});
            EXPECT_EQ(again.exit_code, 0) << Describe(again);
            EXPECT_TRUE(ExpectThereOrGone(name, "killed at " + phase));
        });
}

class CheckpointFaultTest : public FaultTest {
protected:
    void SetUp() override {
        FaultTest::SetUp();
        if (IsSkipped())
            return;
        CommandResult check = RunCommand({"/bin/sh", "-c", "exec criu check"});
        if (check.exit_code != 0)
            GTEST_SKIP() << "CRIU unusable: " << Describe(check);
        MakePrivateRootfs();
    }

    void RunSleeper(const std::string& name) {
        std::vector<std::string> run = {"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--"};
        run.insert(run.end(), kSleeper.begin(), kSleeper.end());
        CommandResult r = Berthctl(run);
        EXPECT_EQ(r.exit_code, 0) << Describe(r);
    }

    // The images restore (under a new name, so whatever the kill left of `name` does not matter).
    void ExpectImagesRestore(const std::string& name, const std::string& phase) {
        std::string copy = name + "-r";
        CommandResult rs = Berthctl({"restore", name, "--image-path", ImageDir(name), "--name", copy, "--detach"});
        EXPECT_EQ(rs.exit_code, 0) << "images unusable after a kill at " << phase << ": " << Describe(rs);
        EXPECT_EQ(Status(copy), "running");
        Berthctl({"rm", "--force", copy});
    }
};

TEST_F(CheckpointFaultTest, KillOfCheckpointAtEachPhaseKeepsContainerOrItsImages) {
    KillAtEachPhase(
        "cp", {"checkpoint-locked", "checkpoint-dumped", "checkpoint-destroyed", "checkpoint-recorded"},
        [&](const std::string& name) {
            RunSleeper(name);
            return std::vector<std::string>{"checkpoint", name, "--image-path", ImageDir(name)};
        },
        [&](const std::string& name, const std::string& phase) {
            SCOPED_TRACE("killed at " + phase);
            if (phase == "checkpoint-locked") {
                EXPECT_EQ(Status(name), "running") << "nothing was dumped yet";
            } else {
                ExpectImagesRestore(name, phase);
            }
            ExpectThereOrGone(name, "killed at " + phase);
        });
}

TEST_F(CheckpointFaultTest, KillOfDetachedRestoreAtEachPhaseLeavesContainerWholeOrGoneAndImagesIntact) {
    KillAtEachPhase(
        "rs", {"restore-locked", "restore-recorded-creating", "restore-restored", "restore-recorded"},
        [&](const std::string& name) {
            RunSleeper(name);
            CommandResult cp = Berthctl({"checkpoint", name, "--image-path", ImageDir(name)});
            EXPECT_EQ(cp.exit_code, 0) << Describe(cp);
            return std::vector<std::string>{"restore", name, "--image-path", ImageDir(name), "--detach"};
        },
        [&](const std::string& name, const std::string& phase) {
            SCOPED_TRACE("killed at " + phase);
            ExpectThereOrGone(name, "killed at " + phase);
            ExpectImagesRestore(name, phase);
            ExpectNothingLeftBehind();
        });
}

// A full state disk: the run fails naming the file and the reason; the container already there
// stays listed and removable, and the failed one leaves nothing.
TEST_F(FaultTest, FullStateDiskFailsClearlyAndLosesNothingElse) {
    std::string kept = UniqueName("kept");
    fs::create_directories(StateDir());
    ASSERT_EQ(::mount("tmpfs", StateDir().c_str(), "tmpfs", 0, "size=256k,mode=0711"), 0) << strerror(errno);
    std::vector<std::string> run = {"run", "--detach", "--rootfs", Rootfs(), "--name", kept, "--"};
    run.insert(run.end(), kSleeper.begin(), kSleeper.end());
    CommandResult first = Berthctl(run);
    EXPECT_EQ(first.exit_code, 0) << Describe(first);
    {
        // Fill it up (the filler lives outside any container's directory).
        std::ofstream filler(StateDir() + "/.filler");
        std::string block(4096, 'x');
        while (filler.write(block.data(), static_cast<std::streamsize>(block.size())) && filler.flush()) {
        }
    }
    std::string failed = UniqueName("full");
    CommandResult full = Berthctl({"run", "--detach", "--rootfs", Rootfs(), "--name", failed, "--", "/bin/true"});
    EXPECT_NE(full.exit_code, 0) << Describe(full);
    EXPECT_NE(full.err.find("No space left on device"), std::string::npos) << Describe(full);
    EXPECT_NE(full.err.find(StateDir() + "/" + failed), std::string::npos) << "the error names no file: " << Describe(full);
    EXPECT_FALSE(fs::exists(StateDir() + "/" + failed)) << "the failed run left its state directory";
    EXPECT_TRUE(CgroupDirsContaining(failed).empty());
    CommandResult list = Berthctl({"list"});
    EXPECT_NE(list.out.find(kept), std::string::npos) << Describe(list);
    EXPECT_EQ(Status(kept), "running");
    CommandResult rm = Berthctl({"rm", "--force", kept});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    ::unlink((StateDir() + "/.filler").c_str());
    // Lazily: the removed container's monitor may still be finishing its last look at the state.
    EXPECT_EQ(::umount2(StateDir().c_str(), MNT_DETACH), 0) << strerror(errno);
    ExpectNothingLeftBehind();
}

// A corrupt state.toml: list, state and rm name the file; the other container is untouched, and
// `rm --force` still takes the corrupt one's processes and cgroups down.
TEST_F(FaultTest, CorruptStateFileIsNamedAndLosesNothingElse) {
    std::string bad = UniqueName("bad"), good = UniqueName("good");
    for (const std::string& name : {bad, good}) {
        std::vector<std::string> run = {"run", "--detach", "--rootfs", Rootfs(), "--name", name, "--"};
        run.insert(run.end(), kSleeper.begin(), kSleeper.end());
        CommandResult r = Berthctl(run);
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
    }
    const std::string state_file = StateDir() + "/" + bad + "/state.toml";
    std::ofstream(state_file, std::ios::trunc) << "version = 1\nname = [[[ broken\n";
    CommandResult list = Berthctl({"list"});
    EXPECT_EQ(list.exit_code, 0) << Describe(list);
    EXPECT_NE(list.out.find(good), std::string::npos) << Describe(list);
    EXPECT_NE(list.err.find(state_file), std::string::npos) << Describe(list);
    CommandResult state = Berthctl({"state", bad});
    EXPECT_NE(state.exit_code, 0);
    EXPECT_NE(state.err.find(state_file), std::string::npos) << Describe(state);
    CommandResult rm_plain = Berthctl({"rm", bad});
    EXPECT_NE(rm_plain.exit_code, 0);
    EXPECT_NE(rm_plain.err.find(state_file), std::string::npos) << Describe(rm_plain);
    EXPECT_EQ(Status(good), "running");
    CommandResult rm = Berthctl({"rm", "--force", bad});
    EXPECT_EQ(rm.exit_code, 0) << Describe(rm);
    EXPECT_TRUE(CgroupDirsContaining(bad).empty()) << "rm --force left the corrupt container's cgroups";
    EXPECT_EQ(Status(good), "running");
    EXPECT_EQ(Berthctl({"rm", "--force", good}).exit_code, 0);
    ExpectNothingLeftBehind();
}

}  // namespace
}  // namespace berth::testing
