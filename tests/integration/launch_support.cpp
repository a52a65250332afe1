#include "launch_support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

namespace berth::testing {
namespace {

int StatusToCode(const siginfo_t& info) {
    if (info.si_code == CLD_EXITED)
        return info.si_status;
    return 128 + info.si_status;
}

int WaitPidfd(int pidfd) {
    siginfo_t info{};
    while (::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED) < 0)
        if (errno != EINTR)
            throw std::runtime_error("waitid failed");
    return StatusToCode(info);
}

}  // namespace

std::string TestCgroupRoot() { return "/sys/fs/cgroup/pids"; }

cgroup::Placement TestCgroupDriver::Create(const std::string& container, pid_t pid, const config::Resources&) {
    std::string dir = TestCgroupRoot() + "/" + container;
    if (::mkdir(dir.c_str(), 0755) < 0)
        ThrowErrno("mkdir " + dir);
    ++created;
    cgroup::Placement placement{"test", "", {{"pids", dir}}};
    try {
        Attach(placement, pid);
    } catch (...) {
        ::rmdir(dir.c_str());
        throw;
    }
    return placement;
}

void TestCgroupDriver::Attach(const cgroup::Placement& placement, pid_t pid) {
    WriteFile(placement.paths.at("pids") + "/cgroup.procs", std::to_string(pid));
}

std::vector<pid_t> TestCgroupDriver::Pids(const cgroup::Placement& placement) {
    std::vector<pid_t> pids;
    std::optional<std::string> procs = ReadFileIfExists(placement.paths.at("pids") + "/cgroup.procs");
    std::istringstream in(procs.value_or(""));
    pid_t pid;
    while (in >> pid)
        pids.push_back(pid);
    return pids;
}

void TestCgroupDriver::Destroy(const cgroup::Placement& placement) {
    std::string dir = placement.paths.at("pids");
    for (int attempt = 0; attempt < 200; ++attempt) {
        for (pid_t pid : Pids(placement))
            ::kill(pid, SIGKILL);
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT)
            return;
        ::usleep(10000);
    }
    ThrowErrno("rmdir " + dir);
}

void MakeQuickBusyboxRootfs(const std::string& dir) {
    namespace fs = std::filesystem;
    for (const char* sub : {"bin", "proc", "dev", "sys", "tmp", "etc", "root", "run", "var/tmp", "usr"})
        fs::create_directories(dir + "/" + sub);
    fs::permissions(dir + "/tmp", fs::perms::all | fs::perms::sticky_bit);
    fs::copy_file("/bin/busybox", dir + "/bin/busybox", fs::copy_options::overwrite_existing);
    fs::create_directory_symlink("../bin", dir + "/usr/bin");
    fs::create_directory_symlink("bin", dir + "/sbin");
    fs::create_directory_symlink("../bin", dir + "/usr/sbin");
    FILE* list = ::popen("/bin/busybox --list", "r");
    if (!list)
        throw std::runtime_error("busybox --list failed");
    char name[256];
    while (std::fgets(name, sizeof name, list)) {
        std::string applet = TrimRight(name);
        if (!applet.empty() && applet != "busybox")
            ::symlink("busybox", (dir + "/bin/" + applet).c_str());
    }
    ::pclose(list);
    WriteFileAtomic(dir + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
    WriteFileAtomic(dir + "/etc/group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n");
}

std::string ReadAll(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

Outcome RunToCompletion(const config::ContainerConfig& config, cgroup::Driver& driver, const std::string& id,
                        const std::string& stdin_data) {
    auto [in_read, in_write] = MakeSocketPair(SOCK_STREAM);
    auto [out_read, out_write] = MakeSocketPair(SOCK_STREAM);
    auto [err_read, err_write] = MakeSocketPair(SOCK_STREAM);
    launch::LaunchOptions options;
    options.container_id = id;
    options.stdio = {in_read.Get(), out_write.Get(), err_write.Get()};
    launch::Launched launched = launch::Launch(config, driver, options);
    in_read.Reset();
    out_write.Reset();
    err_write.Reset();
    if (!stdin_data.empty())
        (void)!::write(in_write.Get(), stdin_data.data(), stdin_data.size());
    ::shutdown(in_write.Get(), SHUT_WR);
    Outcome outcome;
    // Two streams: poll both so neither pipe can fill up and block the container.
    pollfd fds[2] = {{out_read.Get(), POLLIN, 0}, {err_read.Get(), POLLIN, 0}};
    int open_streams = 2;
    while (open_streams > 0) {
        if (::poll(fds, 2, 30000) <= 0)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[4096];
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                fds[i].fd = -1;
                --open_streams;
            } else {
                (i == 0 ? outcome.out : outcome.err).append(buf, static_cast<size_t>(n));
            }
        }
    }
    outcome.exit_code = WaitPidfd(launched.pidfd.Get());
    driver.Destroy(launched.placement);
    return outcome;
}

RunningContainer::RunningContainer(const config::ContainerConfig& config, cgroup::Driver& driver,
                                   const std::string& id)
    : driver_(driver) {
    auto [out_read, out_write] = MakeSocketPair(SOCK_STREAM);
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    launch::LaunchOptions options;
    options.container_id = id;
    options.stdio = {devnull, out_write.Get(), out_write.Get()};
    try {
        launched_ = launch::Launch(config, driver, options);
    } catch (...) {
        ::close(devnull);
        throw;
    }
    ::close(devnull);
    out_fd_ = out_read.Release();
}

RunningContainer::~RunningContainer() {
    if (!reaped_ && launched_.pidfd) {
        ::syscall(SYS_pidfd_send_signal, launched_.pidfd.Get(), SIGKILL, nullptr, 0);
        WaitPidfd(launched_.pidfd.Get());
    }
    try {
        driver_.Destroy(launched_.placement);
    } catch (...) {
    }
    if (out_fd_ >= 0)
        ::close(out_fd_);
}

bool RunningContainer::WaitForOutput(const std::string& text) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (out.find(text) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{out_fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
            return false;
        char buf[4096];
        ssize_t n = ::read(out_fd_, buf, sizeof buf);
        if (n <= 0)
            return false;
        out.append(buf, static_cast<size_t>(n));
    }
    return true;
}

int RunningContainer::Wait() {
    int code = WaitPidfd(launched_.pidfd.Get());
    reaped_ = true;
    return code;
}

}  // namespace berth::testing
