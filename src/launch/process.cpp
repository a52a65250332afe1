#include "launch/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>

#include "util/error.hpp"

namespace berth::launch {

void InstallStdio(const Stdio& stdio) {
    const int wanted[3] = {stdio.in, stdio.out, stdio.err};
    if (wanted[0] == 0 && wanted[1] == 1 && wanted[2] == 2)
        return;  // inherited as they are (0-2 are never close-on-exec in berthctl)
    // Move every source above 2 first: a source may sit on another target's number.
    int moved[3];
    for (int i = 0; i < 3; ++i) {
        moved[i] = ::fcntl(wanted[i], F_DUPFD_CLOEXEC, 3);
        if (moved[i] < 0)
            ThrowErrno("duplicate stdio fd " + std::to_string(wanted[i]));
    }
    for (int i = 0; i < 3; ++i)
        if (::dup2(moved[i], i) < 0)
            ThrowErrno("install stdio fd " + std::to_string(i));
}

void PlaceListenFds(const std::vector<int>& sources, std::initializer_list<int> still_needed) {
    const int end = 3 + static_cast<int>(sources.size());
    for (int fd : still_needed)
        if (fd >= 3 && fd < end)
            throw Error("fd " + std::to_string(fd) + " is in the way of the socket activation fds 3.." +
                            std::to_string(end - 1),
                        EBUSY);
    // Copies above the targets first: a source may sit on another target's number.
    std::vector<int> moved;
    for (int fd : sources) {
        int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, end);
        if (copy < 0)
            ThrowErrno("duplicate socket activation fd " + std::to_string(fd));
        moved.push_back(copy);
    }
    for (int i = 0; i < static_cast<int>(moved.size()); ++i) {
        if (::dup2(moved[i], 3 + i) < 0)
            ThrowErrno("install socket activation fd " + std::to_string(3 + i));
        ::close(moved[i]);
    }
}

void CloseInheritedFds(unsigned keep) {
    for (unsigned fd = 3; fd < 3 + keep; ++fd)
        if (::fcntl(static_cast<int>(fd), F_SETFD, 0) < 0)
            ThrowErrno("keep fd " + std::to_string(fd) + " open for the container's program");
    if (::close_range(3 + keep, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        ThrowErrno("mark inherited fds close-on-exec");
}

void SwitchUser(uid_t uid, gid_t gid, const std::vector<gid_t>& additional_gids, bool setgroups_denied) {
    if (!(setgroups_denied && additional_gids.empty()))
        if (::setgroups(additional_gids.size(), additional_gids.data()) < 0)
            ThrowErrno("setgroups");
    if (::setresgid(gid, gid, gid) < 0)
        ThrowErrno("setresgid " + std::to_string(gid));
    if (::setresuid(uid, uid, uid) < 0)
        ThrowErrno("setresuid " + std::to_string(uid));
}

void ResetSignals() {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP)
            ::sigaction(sig, &dfl, nullptr);  // fails only for numbers glibc reserves: fine
    sigset_t none;
    sigemptyset(&none);
    if (::sigprocmask(SIG_SETMASK, &none, nullptr) < 0)
        ThrowErrno("reset the signal mask");
}

std::string SearchPathOf(const std::vector<std::string>& env) {
    for (const std::string& e : env)
        if (e.rfind("PATH=", 0) == 0)
            return e.substr(5);
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

bool FindProgram(const std::string& program, const std::vector<std::string>& env) {
    if (program.find('/') != std::string::npos)
        return ::access(program.c_str(), X_OK) == 0;
    std::string path = SearchPathOf(env);
    size_t start = 0;
    for (;;) {
        size_t colon = path.find(':', start);
        std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        if (::access(((dir.empty() ? "." : dir) + "/" + program).c_str(), X_OK) == 0)
            return true;
        if (colon == std::string::npos)
            return false;
        start = colon + 1;
    }
}

void ExecProgram(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    if (args.empty())
        throw Error("exec: no command given");
    std::vector<char*> argv, envp;
    for (const std::string& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const std::string& e : env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const std::string& program = args[0];
    if (program.find('/') != std::string::npos) {
        ::execve(program.c_str(), argv.data(), envp.data());
        ThrowErrno("exec " + program);
    }
    std::string path = SearchPathOf(env);
    int first_error = ENOENT;
    size_t start = 0;
    for (;;) {
        size_t colon = path.find(':', start);
        std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
        ::execve(candidate.c_str(), argv.data(), envp.data());
        // Keep looking past directories that do not have it; remember a more telling error.
        if (errno != ENOENT && errno != ENOTDIR && first_error == ENOENT)
            first_error = errno;
        if (colon == std::string::npos)
            break;
        start = colon + 1;
    }
    ThrowErrno(first_error, "exec " + program + " (searched " + path + ")");
}

}  // namespace berth::launch
