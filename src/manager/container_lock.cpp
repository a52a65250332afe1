#include "manager/container_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

#include "manager/errors.hpp"

namespace berth::manager {

ContainerLock::ContainerLock(const std::string& dir) {
    const std::string path = dir + "/.lock";
    for (;;) {
        int raw = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (raw < 0) {
            if (errno == ENOENT)
                throw NoSuchContainer("Failed to lock container: " + dir + " no longer exists");
            ThrowErrno("Failed to open lock file " + path);
        }
        UniqueFd fd(raw);
        while (::flock(fd.Get(), LOCK_EX) < 0)
            if (errno != EINTR)
                ThrowErrno("Failed to lock " + path);
        // Whoever held it may have removed the container (and its lock file) meanwhile: the lock
        // counts only if our file is still the one at the path.
        struct stat held, current;
        if (::fstat(fd.Get(), &held) < 0)
            ThrowErrno("stat " + path);
        if (::stat(path.c_str(), &current) == 0 && current.st_ino == held.st_ino && current.st_dev == held.st_dev) {
            fd_ = std::move(fd);
            return;
        }
        struct stat dir_stat;
        if (::stat(dir.c_str(), &dir_stat) < 0)
            throw NoSuchContainer("Failed to lock container: " + dir + " no longer exists");
    }
}

}  // namespace berth::manager
