// escape-probe: a static program the escape-class tests copy into a container's rootfs. Each
// argument names one probe; it prints "NAME RESULT" per probe, RESULT being "ok" or the errno name
// of the call. The calls are chosen so that seccomp's EPERM differs from what the kernel answers
// when the syscall is allowed (e.g. mount on a missing target: ENOENT before any privilege check).
//   keyctl add_key bpf ptrace mount unshare-user clone-user clone3   the syscalls Docker's default denies
//   fds    the open fds (besides the one reading /proc/self/fd), then "cwd PATH" and "cwd-dotdot PATH"
#include <dirent.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

std::string Result(long r) {
    if (r >= 0)
        return "ok";
    const char* name = strerrorname_np(errno);
    return name ? name : std::to_string(errno);
}

// A child in a new user namespace that exits at once: "ok" when the kernel made it.
long CloneUser() {
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid(static_cast<pid_t>(pid), nullptr, 0);
    return pid;
}

long Clone3User() {
    clone_args args{};
    args.flags = CLONE_NEWUSER;
    args.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid(static_cast<pid_t>(pid), nullptr, 0);
    return pid;
}

long Probe(const std::string& name) {
    if (name == "keyctl")
        return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    if (name == "add_key")
        return syscall(SYS_add_key, "user", "berth-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
    if (name == "bpf")
        return syscall(SYS_bpf, 0x7fff, nullptr, 0);  // no such command: EINVAL when allowed
    if (name == "ptrace")
        return ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    if (name == "mount")
        return mount("none", "/no/such/target", "tmpfs", 0, nullptr);
    if (name == "unshare-user")
        return unshare(CLONE_NEWUSER);
    if (name == "clone-user")
        return CloneUser();
    if (name == "clone3")
        return Clone3User();
    errno = EINVAL;
    return -1;
}

void PrintFds() {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) {
        printf("fds %s\n", Result(-1).c_str());
        return;
    }
    int own = dirfd(dir);
    while (dirent* entry = readdir(dir)) {
        if (entry->d_name[0] == '.' || atoi(entry->d_name) == own)
            continue;
        char target[4096] = "";
        std::string link = std::string("/proc/self/fd/") + entry->d_name;
        ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        printf("fd %s %s\n", entry->d_name, target);
    }
    closedir(dir);
    char cwd[4096] = "";
    ssize_t n = readlink("/proc/self/cwd", cwd, sizeof cwd - 1);
    cwd[n > 0 ? n : 0] = '\0';
    printf("cwd %s\n", cwd);
    // A host cwd shows as a path outside the container's root; walking up from it would reach the host.
    char up[4096] = "";
    printf("cwd-dotdot %s\n", chdir("..") == 0 && getcwd(up, sizeof up) ? up : Result(-1).c_str());
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string name = argv[i];
        if (name == "fds")
            PrintFds();
        else
            printf("%s %s\n", name.c_str(), Result(Probe(name)).c_str());
    }
    return 0;
}
