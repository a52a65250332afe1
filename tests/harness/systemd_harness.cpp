#include "systemd_harness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "util/error.hpp"
#include "util/file.hpp"

#ifndef BERTH_HARNESS_SCRIPT
#error "BERTH_HARNESS_SCRIPT must name tests/harness/systemd-harness"
#endif
#ifndef BERTH_HARNESS_BUILD_DIR
#error "BERTH_HARNESS_BUILD_DIR must name a build directory for harness state"
#endif
#if !defined(BERTH_HARNESS_SOURCE_ROOT) || !defined(BERTH_HARNESS_BUILD_ROOT)
#error "BERTH_HARNESS_SOURCE_ROOT and BERTH_HARNESS_BUILD_ROOT must name the checkout and the build dir"
#endif

namespace berth::harness {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value && *value ? value : fallback;
}

std::pair<UniqueFd, UniqueFd> MakePipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0)
        ThrowErrno("pipe2");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::vector<char*> CArgv(const std::vector<std::string>& argv) {
    std::vector<char*> c;
    for (const std::string& a : argv)
        c.push_back(const_cast<char*>(a.c_str()));
    c.push_back(nullptr);
    return c;
}

// In a forked child: clean signal state (gtest or the caller may block/ignore some), then exec.
[[noreturn]] void ExecChild(const std::vector<char*>& argv) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
}

std::string ReadIfExists(const std::string& path) {
    try {
        return ReadFileIfExists(path).value_or("");
    } catch (const Error&) {
        return "";
    }
}

}  // namespace

std::string HarnessUnavailableReason() {
    if (::geteuid() != 0)
        return "the systemd harness needs root (it creates namespaces and cgroups)";
    std::string systemd = EnvOr("BERTH_HARNESS_SYSTEMD", "/lib/systemd/systemd");
    if (::access(systemd.c_str(), X_OK) != 0)
        return "no systemd to boot: " + systemd + " is not executable (" + std::strerror(errno) + ")";
    if (::access(BERTH_HARNESS_SCRIPT, X_OK) != 0)
        return std::string("harness script ") + BERTH_HARNESS_SCRIPT + " missing";
    for (const char* tool : {"/usr/bin/nsenter", "/usr/bin/unshare", "/usr/bin/script"})
        if (::access(tool, X_OK) != 0)
            return std::string("the harness needs ") + tool + " (util-linux)";
    return "";
}

SystemdHarness::SystemdHarness(std::string dir) : dir_(std::move(dir)) {
    MakeDirs(dir_);
    // The watchdog stops the harness when the lifeline's write end closes: on Stop(), or when this
    // program dies in any way (even SIGKILL). Its own session keeps it out of a test runner's killpg.
    auto [lifeline_read, lifeline_write] = MakePipe();
    std::vector<std::string> watch = {BERTH_HARNESS_SCRIPT, "watch", dir_};
    std::vector<char*> cwatch = CArgv(watch);
    std::string log = dir_ + "/stop.log";
    watchdog_ = ::fork();
    if (watchdog_ < 0)
        ThrowErrno("fork the harness watchdog");
    if (watchdog_ == 0) {
        ::setsid();
        int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ::dup2(lifeline_read.Get(), 0);
        if (log_fd >= 0) {
            ::dup2(log_fd, 1);
            ::dup2(log_fd, 2);
        }
        ExecChild(cwatch);
    }
    watchdog_lifeline_ = std::move(lifeline_write);
    lifeline_read.Reset();

    // The checkout, the build dir and this program's cwd (commands run inside from it) stay
    // visible inside even below /tmp, /var/tmp or /run, which are private tmpfs there.
    std::vector<std::string> start = {BERTH_HARNESS_SCRIPT, "start", dir_, BERTH_HARNESS_SOURCE_ROOT,
                                      BERTH_HARNESS_BUILD_ROOT};
    std::unique_ptr<char, decltype(&std::free)> cwd(::get_current_dir_name(), &std::free);
    // (A cwd of /tmp itself exists inside too, as the private one.)
    if (cwd && std::string_view(cwd.get()) != "/tmp" && std::string_view(cwd.get()) != "/var/tmp" &&
        std::string_view(cwd.get()) != "/run")
        start.push_back(cwd.get());
    CommandResult started = RunOnHost(start, "", 120s);
    if (started.exit_code != 0) {
        std::string leftovers = Stop();
        throw std::runtime_error("systemd-harness start " + dir_ + " failed: " + Describe(started) +
                                 (leftovers.empty() ? "" : "\n" + leftovers));
    }
    pid_ = static_cast<pid_t>(std::stol(ReadFile(dir_ + "/pid")));
    id_ = TrimRight(ReadFile(dir_ + "/id"));
    cgroups_ = testing::SplitLines(ReadIfExists(dir_ + "/cgroups"));
}

SystemdHarness::~SystemdHarness() {
    std::string leftovers = Stop();
    if (!leftovers.empty())
        std::fprintf(stderr, "systemd harness in %s: %s\n", dir_.c_str(), leftovers.c_str());
}

std::string SystemdHarness::Stop() {
    if (watchdog_ < 0)
        return "";
    watchdog_lifeline_.Reset();
    int status = 0;
    while (::waitpid(watchdog_, &status, 0) < 0 && errno == EINTR) {
    }
    watchdog_ = -1;
    std::string problems;
    if (testing::ExitCodeOf(status) != 0)
        problems += "`systemd-harness stop` failed (exit " + std::to_string(testing::ExitCodeOf(status)) +
                    "): " + ReadIfExists(dir_ + "/stop.log");
    if (pid_ > 0 && ::kill(pid_, 0) == 0 && !id_.empty() &&
        ReadIfExists("/proc/" + std::to_string(pid_) + "/cgroup").find("/" + id_) != std::string::npos)
        problems += "systemd (pid " + std::to_string(pid_) + ") still runs; ";
    for (const std::string& cgroup : cgroups_)
        if (PathExists(cgroup))
            problems += "cgroup " + cgroup + " remains; ";
    pid_ = -1;
    return problems;
}

std::vector<std::string> SystemdHarness::InsideArgv(const std::vector<std::string>& argv) const {
    std::unique_ptr<char, decltype(&std::free)> cwd(::get_current_dir_name(), &std::free);
    std::vector<std::string> full = {"nsenter", "-t", std::to_string(pid_), "-a"};
    if (cwd)
        full.push_back(std::string("--wd=") + cwd.get());
    full.push_back("--");
    // Variables naming the host's service manager or bus would mislead commands inside.
    full.insert(full.end(), {"env", "-u", "NOTIFY_SOCKET", "-u", "LISTEN_PID", "-u", "LISTEN_FDS", "-u",
                             "LISTEN_FDNAMES", "-u", "DBUS_SYSTEM_BUS_ADDRESS", "-u", "INVOCATION_ID", "-u",
                             "JOURNAL_STREAM", "--"});
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
}

CommandResult SystemdHarness::Run(const std::vector<std::string>& argv, const std::string& stdin_data,
                                  std::chrono::milliseconds timeout) const {
    if (pid_ <= 0)
        throw std::logic_error("SystemdHarness::Run after Stop()");
    return RunOnHost(InsideArgv(argv), stdin_data, timeout);
}

CommandResult SystemdHarness::RunShell(const std::string& shell_command, std::chrono::milliseconds timeout) const {
    return Run({"/bin/sh", "-c", shell_command}, "", timeout);
}

void SystemdHarness::AddFilesInside(const std::string& inside_dir, const std::vector<std::string>& host_files) {
    std::string overlay = dir_ + "/overlay-" + std::to_string(++overlays_);
    std::string script = "set -e; o=\"$1\"; d=\"$2\"; shift 2; [ -d \"$d\" ] || { echo \"$d does not exist\" >&2; exit 1; }; "
                         "mkdir -p \"$o\"; cp -a \"$d\"/. \"$o\"/; for f in \"$@\"; do cp -L \"$f\" \"$o\"/; done; "
                         "mount --bind \"$o\" \"$d\"";
    std::vector<std::string> argv = {"/bin/sh", "-c", script, "sh", overlay, inside_dir};
    argv.insert(argv.end(), host_files.begin(), host_files.end());
    CommandResult r = Run(argv);
    if (r.exit_code != 0)
        throw std::runtime_error("Failed to add files to " + inside_dir + " inside the harness: " + Describe(r));
}

void SystemdHarness::InstallUnits(const std::vector<std::string>& unit_files) {
    std::vector<std::string> copy = {"cp", "-L", "--"};
    copy.insert(copy.end(), unit_files.begin(), unit_files.end());
    copy.push_back(dir_ + "/units/");
    CommandResult copied = RunOnHost(copy);
    if (copied.exit_code != 0)
        throw std::runtime_error("Failed to install units into the harness: " + Describe(copied));
    CommandResult reloaded = Run({"systemctl", "daemon-reload"});
    if (reloaded.exit_code != 0)
        throw std::runtime_error("Failed to reload the harness' systemd: " + Describe(reloaded));
}

std::string SystemdHarness::HostCgroupPath(const std::string& hierarchy, const std::string& cgroup) const {
    return "/sys/fs/cgroup/" + hierarchy + "/" + id_ + cgroup;
}

std::string SystemdHarness::BootLog() const {
    return ReadIfExists(dir_ + "/boot.log");
}

namespace {

// The per-program harness: booted lazily, stopped by the gtest environment after the last
// test, or at exit() if the environment's TearDown never ran.
struct Shared {
    std::unique_ptr<SystemdHarness> harness;
    std::string why_not;
    bool tried = false;
};

Shared& TheShared() {
    static Shared* shared = new Shared;  // never destroyed: atexit handlers may still use it
    return *shared;
}

void RemoveDir(const std::string& dir) {
    // --one-file-system: never follow a mount a failed test left under it.
    RunOnHost({"rm", "-rf", "--one-file-system", dir}, "", 60s);
}

bool KeepFiles() {
    return EnvOr("BERTH_HARNESS_KEEP", "") == "1";
}

// Removes a harness dir (logs included: no state is left behind) unless BERTH_HARNESS_KEEP=1.
void RemoveOrKeep(const std::string& dir, bool something_failed) {
    if (KeepFiles()) {
        std::fprintf(stderr, "systemd harness files kept in %s (BERTH_HARNESS_KEEP=1)\n", dir.c_str());
        return;
    }
    if (something_failed)
        std::fprintf(stderr, "systemd harness: removing %s; set BERTH_HARNESS_KEEP=1 to keep its boot.log\n",
                     dir.c_str());
    RemoveDir(dir);
}

// Stops the shared harness and removes its dir.
std::string StopShared(bool something_failed) {
    Shared& shared = TheShared();
    if (!shared.harness)
        return "";
    std::string dir = shared.harness->Dir();
    std::string leftovers = shared.harness->Stop();
    shared.harness.reset();
    RemoveOrKeep(dir, something_failed || !leftovers.empty());
    return leftovers;
}

class SharedHarnessEnvironment : public ::testing::Environment {
public:
    void TearDown() override {
        std::string leftovers = StopShared(!::testing::UnitTest::GetInstance()->Passed());
        if (!leftovers.empty())
            ADD_FAILURE() << "the systemd harness left something behind: " << leftovers;
    }
};

[[maybe_unused]] ::testing::Environment* const shared_harness_environment =
    ::testing::AddGlobalTestEnvironment(new SharedHarnessEnvironment);

}  // namespace

SystemdHarness* SharedHarness(std::string* why_not) {
    Shared& shared = TheShared();
    if (!shared.tried) {
        shared.tried = true;
        shared.why_not = HarnessUnavailableReason();
        if (shared.why_not.empty()) {
            std::string root = EnvOr("BERTH_HARNESS_DIR_ROOT", BERTH_HARNESS_BUILD_DIR);
            std::string dir = root + "/run-" + program_invocation_short_name + "-" + std::to_string(::getpid());
            try {
                shared.harness = std::make_unique<SystemdHarness>(dir);
                std::atexit([] { StopShared(true); });
            } catch (const std::exception& e) {
                shared.why_not = e.what();  // carries the tail of boot.log
                RemoveOrKeep(dir, true);
            }
        }
    }
    if (why_not)
        *why_not = shared.why_not;
    return shared.harness.get();
}

void SystemdHarnessTest::SetUp() {
    std::string why_not;
    harness_ = SharedHarness(&why_not);
    if (harness_)
        return;
    if (EnvOr("BERTH_HARNESS_REQUIRED", "") == "1")
        FAIL() << "BERTH_HARNESS_REQUIRED=1 but the systemd harness cannot boot: " << why_not;
    std::fprintf(stderr, "*** SKIPPING: no systemd harness: %s\n", why_not.c_str());
    GTEST_SKIP() << "no systemd harness: " << why_not;
}

}  // namespace berth::harness
