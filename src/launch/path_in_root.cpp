#include "launch/path_in_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.hpp"

namespace berth::launch {
namespace {

int OpenAt2(int dirfd, const std::string& path, uint64_t flags) {
    open_how how{};
    how.flags = flags | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd;
    do {
        fd = static_cast<int>(::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
    } while (fd < 0 && errno == EAGAIN);
    return fd;
}

std::string Relative(const std::string& path) {
    size_t start = path.find_first_not_of('/');
    return start == std::string::npos ? "." : path.substr(start);
}

}  // namespace

std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

UniqueFd OpenInRootIfExists(int rootfd, const std::string& path) {
    int fd = OpenAt2(rootfd, Relative(path), O_PATH);
    if (fd < 0 && errno != ENOENT)
        ThrowErrno("resolve " + path + " in the rootfs");
    return UniqueFd(fd);
}

UniqueFd OpenInRoot(int rootfd, const std::string& path, NodeKind create_as) {
    std::string rel = Relative(path);
    int fd = OpenAt2(rootfd, rel, O_PATH);
    if (fd >= 0)
        return UniqueFd(fd);
    if (errno != ENOENT)
        ThrowErrno("resolve " + path + " in the rootfs");
    // Create each missing component, resolving every prefix from the root again so a symlink
    // met on the way is still confined to the rootfs.
    UniqueFd parent(OpenAt2(rootfd, ".", O_PATH | O_DIRECTORY));
    if (!parent)
        ThrowErrno("open the rootfs");
    size_t pos = 0;
    while (pos < rel.size()) {
        size_t slash = rel.find('/', pos);
        bool last = slash == std::string::npos;
        std::string name = rel.substr(pos, last ? std::string::npos : slash - pos);
        std::string prefix = rel.substr(0, last ? std::string::npos : slash);
        pos = last ? rel.size() : slash + 1;
        if (name.empty() || name == ".")
            continue;
        int next = OpenAt2(rootfd, prefix, O_PATH);
        if (next < 0) {
            if (errno != ENOENT)
                ThrowErrno("resolve " + path + " in the rootfs");
            int r;
            if (last && create_as == NodeKind::File)
                r = ::mknodat(parent.Get(), name.c_str(), S_IFREG | 0644, 0);
            else
                r = ::mkdirat(parent.Get(), name.c_str(), 0755);
            if (r < 0 && errno != EEXIST)
                ThrowErrno("create mount point " + path);
            next = OpenAt2(rootfd, prefix, O_PATH);
            if (next < 0)
                ThrowErrno("resolve " + path + " in the rootfs");
        }
        parent.Reset(next);
    }
    return parent;
}

}  // namespace berth::launch
