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
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "read_text.hpp"

#ifndef BERTH_TEST_BERTHCTL
#define BERTH_TEST_BERTHCTL "berthctl"
#endif
#ifndef BERTH_TEST_SOURCE_ROOT
#define BERTH_TEST_SOURCE_ROOT "."
#endif

namespace berth::testing {
namespace {

[[noreturn]] void Fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
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

// A /proc file of a process that may be exiting: read() fails with ESRCH midway (which
// std::ifstream turns into an exception); a vanished process reads as empty.
std::string ReadProcFile(const std::string& path) {
    std::string content;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return content;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
        content.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return n < 0 ? std::string() : content;
}

// Zombies have ended: they only wait for a reaper (here PID 1, which reaps when it gets to it).
bool IsZombie(const std::string& pid) {
    std::string stat = ReadProcFile("/proc/" + pid + "/stat");
    size_t close = stat.rfind(')');
    return close != std::string::npos && stat.compare(close, 4, ") Z ") == 0;
}

std::string MemoryCgroupOf(pid_t pid) {
    std::smatch m;
    std::string text = ReadText("/proc/" + std::to_string(pid) + "/cgroup");
    if (!std::regex_search(text, m, std::regex(R"re(:memory:(\S+))re")))
        return "";
    return "/sys/fs/cgroup/memory" + m[1].str();
}

std::vector<pid_t> ProcessesInCgroupsContaining(const std::string& needle) {
    std::vector<pid_t> found;
    for (const std::string& name : ListDir("/proc")) {
        if (name.find_first_not_of("0123456789") != std::string::npos || IsZombie(name))
            continue;
        std::istringstream in(ReadProcFile("/proc/" + name + "/cgroup"));
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

std::string BerthFixture::Status(const std::string& name) {
    std::smatch m;
    std::string json = StateJson(name);
    return std::regex_search(json, m, std::regex(R"re("status"\s*:\s*"([a-z]+)")re")) ? m[1].str() : "";
}

pid_t BerthFixture::Pid(const std::string& name) {
    std::smatch m;
    std::string json = StateJson(name);
    return std::regex_search(json, m, std::regex(R"re("pid"\s*:\s*(\d+))re")) ? std::stoi(m[1]) : 0;
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
