#include "util/hook_program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/pidfd.hpp"

namespace berth {
namespace {

[[noreturn]] void ExecHook(const HookProgram& hook, int stdin_fd) {
    std::vector<char*> argv, envp;
    std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    for (std::string& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env = hook.env;
    for (std::string& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    if (::dup2(stdin_fd, 0) < 0)
        ::_exit(126);
    ::execve(hook.path.c_str(), argv.data(), envp.data());
    ::_exit(127);
}

// Waits for the hook's exit within its timeout (none: forever); kills it when the time is up.
int WaitHook(pid_t pid, const HookProgram& hook) {
    Pidfd pidfd = Pidfd::Open(pid);
    if (pidfd && hook.timeout) {
        pollfd p{pidfd.Get(), POLLIN, 0};
        int timeout_ms = static_cast<int>(*hook.timeout * 1000);
        int n;
        while ((n = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
        }
        if (n == 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            throw Error("hook " + hook.path + " timed out after " + std::to_string(*hook.timeout) + " s");
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            ThrowErrno("wait for hook " + hook.path);
    return status;
}

}  // namespace

void RunHookProgram(const HookProgram& hook, const std::string& input) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0)
        ThrowErrno("create a pipe for hook " + hook.path);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    pid_t pid = ::fork();
    if (pid < 0)
        ThrowErrno("fork hook " + hook.path);
    if (pid == 0)
        ExecHook(hook, read_end.Get());
    read_end.Reset();
    // A hook need not read its stdin: ignore EPIPE (SIGPIPE is ignored for the write below).
    struct sigaction ignore {}, old {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    ssize_t written = ::write(write_end.Get(), input.data(), input.size());
    (void)written;
    ::sigaction(SIGPIPE, &old, nullptr);
    write_end.Reset();
    int status = WaitHook(pid, hook);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    if (WIFEXITED(status))
        throw Error("hook " + hook.path + " exited with status " + std::to_string(WEXITSTATUS(status)));
    throw Error("hook " + hook.path + " was killed by signal " + std::to_string(WTERMSIG(status)));
}

}  // namespace berth
