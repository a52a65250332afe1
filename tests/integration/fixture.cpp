#include "fixture.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef BERTH_TEST_BERTHCTL
#define BERTH_TEST_BERTHCTL "berthctl"
#endif
#ifndef BERTH_TEST_SOURCE_ROOT
#define BERTH_TEST_SOURCE_ROOT "."
#endif

namespace berth::testing {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

void SetCloexecNonblock(int fd) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Appends whatever is readable now; returns false on EOF.
bool ReadAvailable(int fd, std::string& into) {
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            into.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n == 0)
            return false;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN;
    }
}

int DecodeStatus(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

bool IsDirectory(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> ListDir(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (!d)
        return names;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name != "." && name != "..")
            names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

// mountinfo escapes spaces and the like as \NNN (octal).
std::string UnescapeMountPath(const std::string& in) {
    std::string out;
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\\' && i + 3 < in.size()) {
            out += static_cast<char>(std::stoi(in.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += in[i];
        }
    }
    return out;
}

bool IsAtOrBelow(const std::string& path, const std::string& prefix) {
    return path == prefix || path.rfind(prefix + "/", 0) == 0;
}

void CollectCgroupDirs(const std::string& dir, const std::string& needle, int depth,
                       std::vector<std::string>& found) {
    if (depth > 6)
        return;
    for (const std::string& name : ListDir(dir)) {
        std::string path = dir + "/" + name;
        if (!IsDirectory(path))
            continue;
        if (name.find(needle) != std::string::npos)
            found.push_back(path);
        CollectCgroupDirs(path, needle, depth + 1, found);
    }
}

void RemoveTree(const std::string& dir) {
    // FTW_MOUNT: never descend into something still mounted (a leak would then stay visible).
    ::nftw(
        dir.c_str(),
        [](const char* path, const struct stat*, int type, struct FTW*) {
            if (type == FTW_DP)
                ::rmdir(path);
            else
                ::unlink(path);
            return 0;
        },
        32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

std::string ShellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// One busybox rootfs per test process (building one takes seconds); removed when the process ends.
class SharedRootfsEnvironment : public ::testing::Environment {
public:
    const std::string& Get() {
        if (dir_.empty()) {
            char tmpl[] = "/tmp/berth-it-rootfs-XXXXXX";
            if (!::mkdtemp(tmpl))
                Fail("mkdtemp");
            dir_ = tmpl;
            MakeBusyboxRootfs(dir_ + "/rootfs");
        }
        rootfs_ = dir_ + "/rootfs";
        return rootfs_;
    }
    void TearDown() override {
        if (!dir_.empty())
            RemoveTree(dir_);
    }

private:
    std::string dir_;
    std::string rootfs_;
};

SharedRootfsEnvironment* const shared_rootfs =
    static_cast<SharedRootfsEnvironment*>(::testing::AddGlobalTestEnvironment(new SharedRootfsEnvironment));

}  // namespace

std::string Describe(const CommandResult& result) {
    std::ostringstream s;
    s << "exit code " << result.exit_code << (result.timed_out ? " (timed out, killed)" : "") << "\n--- stdout ---\n"
      << result.out << "\n--- stderr ---\n"
      << result.err;
    return s.str();
}

std::string BerthctlPath() {
    if (const char* env = std::getenv("BERTHCTL"); env && *env)
        return env;
    return BERTH_TEST_BERTHCTL;
}

void MakeBusyboxRootfs(const std::string& dir) {
    std::string script = std::string(BERTH_TEST_SOURCE_ROOT) + "/scripts/make-rootfs";
    if (::access(script.c_str(), X_OK) == 0) {
        CommandResult r = RunCommand({script, dir});
        if (r.exit_code != 0)
            throw std::runtime_error("scripts/make-rootfs " + dir + " failed: " + Describe(r));
        return;
    }
    // Same layout as scripts/make-rootfs: /bin/busybox, applet links, /sbin and /usr/* pointing at /bin.
    CommandResult r = RunCommand(
        {"/bin/sh", "-c",
         "set -e; d=" + ShellQuote(dir) +
             "; mkdir -p \"$d\"/bin \"$d\"/proc \"$d\"/dev \"$d\"/sys \"$d\"/tmp \"$d\"/etc \"$d\"/root \"$d\"/run "
             "\"$d\"/var/tmp \"$d\"/usr; chmod 1777 \"$d\"/tmp \"$d\"/var/tmp; cp /bin/busybox \"$d\"/bin/busybox; "
             "for a in $(/bin/busybox --list); do [ \"$a\" = busybox ] || ln -sf busybox \"$d/bin/$a\"; done; "
             "ln -s bin \"$d\"/sbin; ln -s ../bin \"$d\"/usr/bin; ln -s ../bin \"$d\"/usr/sbin; "
             "echo 'root:x:0:0:root:/root:/bin/sh' > \"$d\"/etc/passwd; echo 'root:x:0:' > \"$d\"/etc/group; "
             ": > \"$d\"/etc/hostname; : > \"$d\"/etc/resolv.conf"});
    if (r.exit_code != 0)
        throw std::runtime_error("building a busybox rootfs in " + dir + " failed: " + Describe(r));
}

RunningCommand::RunningCommand(const std::vector<std::string>& argv, const std::string& stdin_data) {
    int in[2], out[2], err[2];
    if (::pipe(in) < 0 || ::pipe(out) < 0 || ::pipe(err) < 0)
        Fail("pipe");
    std::vector<char*> cargv;
    for (const std::string& a : argv)
        cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0)
        Fail("fork");
    if (pid_ == 0) {
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
            ::close(fd);
        // gtest may run us with signals blocked or ignored; the command starts clean.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execv(cargv[0], cargv.data());
        std::fprintf(stderr, "exec %s: %s\n", cargv[0], std::strerror(errno));
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    SetCloexecNonblock(out_fd_);
    SetCloexecNonblock(err_fd_);
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd_ < 0)
        Fail("pidfd_open");
    ::fcntl(pidfd_, F_SETFD, FD_CLOEXEC);
    // Small inputs fit the pipe buffer; a writer thread would be needed beyond 64 KiB.
    ::signal(SIGPIPE, SIG_IGN);
    size_t off = 0;
    while (off < stdin_data.size()) {
        ssize_t n = ::write(in[1], stdin_data.data() + off, stdin_data.size() - off);
        if (n <= 0)
            break;
        off += static_cast<size_t>(n);
    }
    ::close(in[1]);
}

RunningCommand::~RunningCommand() {
    if (!exited_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    for (int fd : {pidfd_, out_fd_, err_fd_})
        if (fd >= 0)
            ::close(fd);
}

void RunningCommand::Signal(int sig) {
    if (!exited_)
        ::kill(pid_, sig);
}

bool RunningCommand::Pump(int timeout_ms) {
    if (exited_)
        return false;
    pollfd fds[3] = {{pidfd_, POLLIN, 0}, {out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    int n = ::poll(fds, 3, timeout_ms);
    if (n < 0 && errno != EINTR)
        Fail("poll");
    if (fds[1].revents && !ReadAvailable(out_fd_, out_))
        fds[1].fd = -1;
    if (fds[2].revents && !ReadAvailable(err_fd_, err_))
        fds[2].fd = -1;
    if (fds[0].revents & POLLIN) {
        if (::waitpid(pid_, &status_, 0) == pid_) {
            exited_ = true;
            Drain();
            return false;
        }
    }
    return true;
}

void RunningCommand::Drain() {
    ReadAvailable(out_fd_, out_);
    ReadAvailable(err_fd_, err_);
}

bool RunningCommand::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (out_.find(text) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0 || !Pump(static_cast<int>(std::min<long>(left, 200))))
            return out_.find(text) != std::string::npos;
    }
    return true;
}

CommandResult RunningCommand::Wait(std::chrono::milliseconds timeout) {
    CommandResult result;
    auto deadline = Clock::now() + timeout;
    while (!exited_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            result.timed_out = true;
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status_, 0);
            exited_ = true;
            Drain();
            break;
        }
        Pump(static_cast<int>(std::min<long>(left, 200)));
    }
    result.exit_code = DecodeStatus(status_);
    result.out = out_;
    result.err = err_;
    return result;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data,
                         std::chrono::milliseconds timeout) {
    RunningCommand cmd(argv, stdin_data);
    return cmd.Wait(timeout);
}

std::vector<std::string> MountsUnder(const std::string& prefix) {
    std::vector<std::string> found;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point;
        fields >> id >> parent >> devno >> root >> mount_point;
        mount_point = UnescapeMountPath(mount_point);
        if (IsAtOrBelow(mount_point, prefix))
            found.push_back(mount_point);
    }
    return found;
}

std::vector<pid_t> ProcessesRootedIn(const std::string& dir) {
    std::vector<pid_t> found;
    struct stat want;
    if (::stat(dir.c_str(), &want) < 0)
        return found;
    for (const std::string& name : ListDir("/proc")) {
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        // After pivot_root, readlink(/proc/PID/root) says "/" (the root of another mount
        // namespace); the root directory's identity still is the rootfs' (a bind mount keeps it).
        struct stat root;
        bool same_dir = ::stat(("/proc/" + name + "/root/").c_str(), &root) == 0 && root.st_dev == want.st_dev &&
                        root.st_ino == want.st_ino;
        char buf[4096];
        ssize_t n = ::readlink(("/proc/" + name + "/root").c_str(), buf, sizeof buf - 1);
        bool below = n > 0 && IsAtOrBelow(std::string(buf, static_cast<size_t>(n)), dir);  // chroot
        if (same_dir || below)
            found.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return found;
}

// Zombies have ended: they only wait for a reaper (here PID 1, which reaps when it gets to it).
bool IsZombie(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t close = stat.rfind(')');
    return close != std::string::npos && stat.compare(close, 4, ") Z ") == 0;
}

std::vector<pid_t> ProcessesInCgroupsContaining(const std::string& needle) {
    std::vector<pid_t> found;
    for (const std::string& name : ListDir("/proc")) {
        if (name.find_first_not_of("0123456789") != std::string::npos || IsZombie(name))
            continue;
        std::ifstream in("/proc/" + name + "/cgroup");
        std::string line;
        while (std::getline(in, line)) {
            if (line.find(needle) != std::string::npos) {
                found.push_back(static_cast<pid_t>(std::stol(name)));
                break;
            }
        }
    }
    return found;
}

std::vector<std::string> CgroupDirsContaining(const std::string& needle) {
    std::vector<std::string> found;
    for (const std::string& name : ListDir("/sys/fs/cgroup")) {
        std::string top = "/sys/fs/cgroup/" + name;
        if (IsDirectory(top))  // skips the v1 alias symlinks (cpu -> cpu,cpuacct)
            CollectCgroupDirs(top, needle, 0, found);
    }
    return found;
}

void BerthFixture::SetUp() {
    if (::geteuid() != 0)
        GTEST_SKIP() << "integration tests create namespaces, mounts and cgroups: they need root";
    if (::access(BerthctlPath().c_str(), X_OK) != 0)
        GTEST_SKIP() << "berthctl not found at " << BerthctlPath();
    char tmpl[] = "/tmp/berth-it-XXXXXX";
    if (!::mkdtemp(tmpl))
        Fail("mkdtemp");
    temp_dir_ = tmpl;
    state_dir_ = temp_dir_ + "/state";
    rootfs_ = shared_rootfs->Get();
    config_dir_ = temp_dir_ + "/config";
    ::mkdir(state_dir_.c_str(), 0700);
    ::mkdir(config_dir_.c_str(), 0755);
    name_prefix_ = "it" + std::to_string(::getpid()) + "-" + temp_dir_.substr(temp_dir_.size() - 6) + "-";
}

std::string BerthFixture::MakePrivateRootfs() {
    std::string dir = temp_dir_ + "/rootfs";
    MakeBusyboxRootfs(dir);
    rootfs_ = dir;
    return dir;
}

std::string BerthFixture::UniqueName(const std::string& base) {
    return name_prefix_ + std::to_string(++name_counter_) + "-" + base;
}

void BerthFixture::WriteContainerToml(const std::string& name, const std::string& content) {
    std::ofstream out(config_dir_ + "/" + name + ".toml");
    out << content;
    if (!out.flush())
        throw std::runtime_error("write " + config_dir_ + "/" + name + ".toml failed");
}

std::vector<std::string> BerthFixture::BerthctlArgv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {BerthctlPath(),  "--state-dir",     state_dir_,
                                     "--config-path", config_dir_,       "--cgroup-driver",
                                     cgroup_driver_};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

CommandResult BerthFixture::Berthctl(const std::vector<std::string>& args, const std::string& stdin_data,
                                     std::chrono::milliseconds timeout) {
    return RunCommand(BerthctlArgv(args), stdin_data, timeout);
}

std::unique_ptr<RunningCommand> BerthFixture::StartBerthctl(const std::vector<std::string>& args,
                                                            const std::string& stdin_data) {
    return std::make_unique<RunningCommand>(BerthctlArgv(args), stdin_data);
}

void BerthFixture::ExpectNothingLeftBehind() {
    EXPECT_EQ(ListDir(state_dir_), std::vector<std::string>{}) << "state directories left in " << state_dir_;
    EXPECT_EQ(MountsUnder(temp_dir_), std::vector<std::string>{}) << "mounts left under " << temp_dir_;
    EXPECT_EQ(MountsUnder(rootfs_), std::vector<std::string>{}) << "mounts left under " << rootfs_;
    EXPECT_EQ(ProcessesRootedIn(rootfs_), std::vector<pid_t>{}) << "processes left in " << rootfs_;
    EXPECT_EQ(ProcessesInCgroupsContaining(name_prefix_), std::vector<pid_t>{}) << "processes left in our cgroups";
    EXPECT_EQ(CgroupDirsContaining(name_prefix_), std::vector<std::string>{}) << "cgroup directories left";
}

void BerthFixture::TearDown() {
    if (temp_dir_.empty())
        return;
    for (const std::string& name : ListDir(state_dir_))
        if (name.rfind('.', 0) != 0)
            RunCommand(BerthctlArgv({"rm", "--force", name}), "", 30s);
    // Fallbacks for when berthctl itself is what failed: kill by root dir, remove cgroups by name.
    for (int round = 0; round < 50; ++round) {
        std::vector<pid_t> left = ProcessesRootedIn(rootfs_);
        for (pid_t pid : ProcessesInCgroupsContaining(name_prefix_))
            left.push_back(pid);
        if (left.empty())
            break;
        for (pid_t pid : left)
            ::kill(pid, SIGKILL);
        std::this_thread::sleep_for(20ms);
    }
    for (int round = 0; round < 50; ++round) {
        std::vector<std::string> dirs = CgroupDirsContaining(name_prefix_);
        if (dirs.empty())
            break;
        // Deepest first: a parent can only go once its children are gone.
        std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
        for (const std::string& dir : dirs)
            ::rmdir(dir.c_str());
        std::this_thread::sleep_for(20ms);
    }
    std::vector<std::string> mounts = MountsUnder(temp_dir_);
    for (const std::string& m : MountsUnder(rootfs_))
        mounts.push_back(m);
    std::sort(mounts.begin(), mounts.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const std::string& mount_point : mounts)
        ::umount2(mount_point.c_str(), MNT_DETACH);
    RemoveTree(temp_dir_);
}

}  // namespace berth::testing
