#include "command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "util/error.hpp"

namespace berth::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::pair<UniqueFd, UniqueFd> MakePipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0)
        ThrowErrno("pipe2");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void SetNonblock(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Appends whatever is readable now; returns false on EOF.
bool ReadAvailable(int fd, std::string& into) {
    char buf[8192];
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

int MillisecondsLeft(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long>(left, 0, 200));
}

}  // namespace

std::string Describe(const CommandResult& result) {
    std::ostringstream s;
    s << "exit code " << result.exit_code << (result.timed_out ? " (timed out, killed)" : "") << "\n--- stdout ---\n"
      << result.out << "\n--- stderr ---\n"
      << result.err;
    return s.str();
}

int ExitCodeOf(int wait_status) {
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status))
        return 128 + WTERMSIG(wait_status);
    return -1;
}

std::vector<std::string> SplitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            lines.push_back(line);
    return lines;
}

RunningCommand::RunningCommand(const std::vector<std::string>& argv, const std::string& stdin_data)
    : stdin_data_(stdin_data) {
    auto [in_read, in_write] = MakePipe();
    auto [out_read, out_write] = MakePipe();
    auto [err_read, err_write] = MakePipe();
    std::vector<char*> cargv;
    for (const std::string& a : argv)
        cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0)
        ThrowErrno("fork");
    if (pid_ == 0) {
        // Own process group, so a timeout kills grandchildren (nsenter's child) too.
        ::setpgid(0, 0);
        ::dup2(in_read.Get(), 0);
        ::dup2(out_write.Get(), 1);
        ::dup2(err_write.Get(), 2);
        // gtest or the caller may block or ignore signals; the command starts clean.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        ::execvp(cargv[0], cargv.data());
        std::fprintf(stderr, "exec %s: %s\n", cargv[0], std::strerror(errno));
        ::_exit(127);
    }
    ::setpgid(pid_, pid_);  // also here: no race with a timeout's killpg
    pidfd_ = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    if (!pidfd_)
        ThrowErrno("pidfd_open " + std::to_string(pid_));
    in_fd_ = std::move(in_write);
    out_fd_ = std::move(out_read);
    err_fd_ = std::move(err_read);
    for (int fd : {in_fd_.Get(), out_fd_.Get(), err_fd_.Get()})
        SetNonblock(fd);
    if (stdin_data_.empty())
        in_fd_.Reset();
    else
        ::signal(SIGPIPE, SIG_IGN);  // a command that ignores its input must not kill the test (EPIPE instead)
}

RunningCommand::~RunningCommand() {
    if (!exited_ && pid_ > 0)
        KillAndReap();
}

void RunningCommand::KillAndReap() {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    exited_ = true;
}

void RunningCommand::Signal(int sig) {
    if (!exited_)
        ::kill(pid_, sig);
}

bool RunningCommand::Pump(int timeout_ms) {
    if (exited_)
        return false;
    pollfd fds[4] = {{pidfd_.Get(), POLLIN, 0},
                     {out_fd_.Get(), POLLIN, 0},
                     {err_fd_.Get(), POLLIN, 0},
                     {in_fd_.Get(), POLLOUT, 0}};
    if (::poll(fds, 4, timeout_ms) < 0 && errno != EINTR)
        ThrowErrno("poll");
    if (fds[1].revents && !ReadAvailable(out_fd_.Get(), out_))
        out_fd_.Reset();
    if (fds[2].revents && !ReadAvailable(err_fd_.Get(), err_))
        err_fd_.Reset();
    if (fds[3].revents) {
        ssize_t n = ::write(in_fd_.Get(), stdin_data_.data() + written_, stdin_data_.size() - written_);
        if (n > 0)
            written_ += static_cast<size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written_ == stdin_data_.size())
            in_fd_.Reset();  // all written, or the reader is gone (EPIPE): the command ignores its input
    }
    if ((fds[0].revents & POLLIN) && ::waitpid(pid_, &status_, 0) == pid_) {
        exited_ = true;
        Drain();
        return false;
    }
    return true;
}

void RunningCommand::Drain() {
    if (out_fd_)
        ReadAvailable(out_fd_.Get(), out_);
    if (err_fd_)
        ReadAvailable(err_fd_.Get(), err_);
}

bool RunningCommand::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (out_.find(text) == std::string::npos) {
        if (Clock::now() >= deadline || !Pump(MillisecondsLeft(deadline)))
            return out_.find(text) != std::string::npos;
    }
    return true;
}

CommandResult RunningCommand::Wait(std::chrono::milliseconds timeout) {
    CommandResult result;
    auto deadline = Clock::now() + timeout;
    while (!exited_) {
        if (Clock::now() >= deadline) {
            result.timed_out = true;
            KillAndReap();
            Drain();
            break;
        }
        Pump(MillisecondsLeft(deadline));
    }
    result.exit_code = ExitCodeOf(status_);
    result.out = out_;
    result.err = err_;
    return result;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data,
                         std::chrono::milliseconds timeout) {
    RunningCommand command(argv, stdin_data);
    return command.Wait(timeout);
}

}  // namespace berth::testing
