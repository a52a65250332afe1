#include "util/fd.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/error.hpp"

namespace berth {

void UniqueFd::Reset(int fd) noexcept {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = fd;
}

UniqueFd OpenOrThrow(const std::string& path, int flags, unsigned mode) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0)
        ThrowErrno("open " + path);
    return UniqueFd(fd);
}

UniqueFd OpenAtOrThrow(int dirfd, const std::string& path, int flags, unsigned mode) {
    int fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0)
        ThrowErrno("open " + path);
    return UniqueFd(fd);
}

std::pair<UniqueFd, UniqueFd> MakeSocketPair(int type) {
    int fds[2];
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) < 0)
        ThrowErrno("socketpair");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace berth
