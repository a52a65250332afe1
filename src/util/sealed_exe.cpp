#include "util/sealed_exe.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"
#include "util/fd.hpp"

extern char** environ;

namespace berth {
namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
// Set across the re-exec only, so a copy that somehow does not count as sealed cannot loop.
constexpr const char* kReexecMarker = "_BERTH_SEALED_REEXEC";

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

UniqueFd MakeExecutableMemfd() {
    // MFD_EXEC: where vm.memfd_noexec defaults memfds to non-executable (kernel >= 6.3).
    int fd = ::memfd_create("berth-sealed-exe", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = ::memfd_create("berth-sealed-exe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        ThrowErrno("Failed to create a memfd for a sealed copy of /proc/self/exe");
    return UniqueFd(fd);
}

UniqueFd SealedCopyOfSelf() {
    UniqueFd self = OpenOrThrow("/proc/self/exe", O_RDONLY);
    struct stat st;
    if (::fstat(self.Get(), &st) < 0)
        ThrowErrno("Failed to stat /proc/self/exe");
    UniqueFd copy = MakeExecutableMemfd();
    off_t offset = 0;
    while (offset < st.st_size) {
        ssize_t n = ::sendfile(copy.Get(), self.Get(), &offset, static_cast<size_t>(st.st_size - offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            ThrowErrno(n < 0 ? errno : EIO, "Failed to copy /proc/self/exe into a memfd");
    }
    if (::fcntl(copy.Get(), F_ADD_SEALS, kSeals) < 0)
        ThrowErrno("Failed to seal the copy of /proc/self/exe");
    return copy;
}

// The binary as a detached read-only bind mount of itself (as runc does): nothing is copied, and
// /proc/PID/exe then opens for writing with EROFS. Empty where the kernel or our privileges do not
// allow it (the memfd copy is the fallback).
UniqueFd ReadOnlyCloneOfSelf() {
    char path[4096];
    ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return UniqueFd();
    path[n] = '\0';
    int tree = ::open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return UniqueFd();
    UniqueFd clone(tree);
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (::mount_setattr(clone.Get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        return UniqueFd();
    return clone;
}

}  // namespace

bool RunningFromSealedCopy() {
    int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    UniqueFd self(fd);
    int seals = ::fcntl(self.Get(), F_GET_SEALS);
    if (seals >= 0 && (seals & kSeals) == kSeals)
        return true;
    // A binary on a read-only mount (our clone, or a read-only /usr) cannot be opened for writing.
    struct statvfs fs {};
    return ::fstatvfs(self.Get(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0;
}

void ReexecFromSealedCopy(char** argv) {
    if (RunningFromSealedCopy()) {
        ::unsetenv(kReexecMarker);
        // execveat(fd, "") named us after the fd ("3"): take our own name back for ps and pidof.
        if (argv[0] != nullptr) {
            const char* slash = std::strrchr(argv[0], '/');
            ::prctl(PR_SET_NAME, slash ? slash + 1 : argv[0], 0, 0, 0);
        }
        return;
    }
    if (::getenv(kReexecMarker) != nullptr)
        throw Error("Failed to run from a sealed copy of the binary: the re-executed copy is not sealed");
    UniqueFd copy = ReadOnlyCloneOfSelf();
    if (!copy)
        copy = SealedCopyOfSelf();
    ::setenv(kReexecMarker, "1", 1);
    ::syscall(SYS_execveat, copy.Get(), "", argv, environ, AT_EMPTY_PATH);
    int err = errno;
    ::unsetenv(kReexecMarker);
    ThrowErrno(err, "Failed to execute the sealed copy of /proc/self/exe");
}

}  // namespace berth
