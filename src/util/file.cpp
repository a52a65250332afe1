#include "util/file.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_EXCHANGE
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth {
namespace {

std::string ReadAll(int fd, const std::string& path, size_t max_bytes = SIZE_MAX) {
    std::string out;
    char buf[8192];
    for (;;) {
        if (out.size() > max_bytes)
            throw Error("Failed to read " + path + ": larger than " + std::to_string(max_bytes) + " bytes", EFBIG);
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ThrowErrno("read " + path);
        }
        if (n == 0)
            return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

void WriteAll(int fd, const std::string& content, const std::string& path) {
    size_t off = 0;
    while (off < content.size()) {
        ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ThrowErrno("write " + path);
        }
        off += static_cast<size_t>(n);
    }
}

}  // namespace

std::string ReadFile(const std::string& path) {
    UniqueFd fd = OpenOrThrow(path, O_RDONLY);
    return ReadAll(fd.Get(), path);
}

static const char* FileTypeName(mode_t mode) {
    switch (mode & S_IFMT) {
        case S_IFDIR: return "a directory";
        case S_IFIFO: return "a FIFO";
        case S_IFSOCK: return "a socket";
        case S_IFCHR: return "a character device";
        case S_IFBLK: return "a block device";
        default: return "not a regular file";
    }
}

std::string ReadRegularFile(const std::string& path, size_t max_bytes) {
    UniqueFd fd = OpenOrThrow(path, O_RDONLY | O_NONBLOCK);
    struct stat st;
    if (::fstat(fd.Get(), &st) < 0)
        ThrowErrno("stat " + path);
    if (!S_ISREG(st.st_mode))
        throw Error("Failed to read " + path + ": " + FileTypeName(st.st_mode) + ", expected a regular file");
    return ReadAll(fd.Get(), path, max_bytes);
}

std::optional<std::string> ReadFileIfExists(const std::string& path) {
    int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (raw < 0) {
        if (errno == ENOENT)
            return std::nullopt;
        ThrowErrno("open " + path);
    }
    UniqueFd fd(raw);
    return ReadAll(fd.Get(), path);
}

void WriteFile(const std::string& path, const std::string& content) {
    UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_TRUNC);
    ssize_t n = ::write(fd.Get(), content.data(), content.size());
    if (n < 0)
        ThrowErrno("write '" + TrimRight(content) + "' to " + path);
    if (static_cast<size_t>(n) != content.size())
        throw Error("short write to " + path);
}

void WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode, Durability durability) {
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    {
        // A new inode, never one left by a kill between the exchange and the unlink below: that
        // one is the old file, which a reader may still have open.
        UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
        if (!fd && errno == EEXIST && ::unlink(tmp.c_str()) == 0)
            fd = UniqueFd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
        if (!fd)
            ThrowErrno("open " + tmp);
        try {
            WriteAll(fd.Get(), content, tmp);
            if (durability == Durability::Durable && ::fsync(fd.Get()) < 0)
                ThrowErrno("fsync " + tmp);
        } catch (...) {
            ::unlink(tmp.c_str());
            throw;
        }
    }
    // Runtime state is swapped in (RENAME_EXCHANGE) and the old file unlinked rather than renamed
    // over: ext4 (auto_da_alloc) writes a file out at once when it is renamed over another, the
    // largest cost of the state dir in a container's start where /run is not a tmpfs. Readers see
    // the old file or the new one either way. No target yet, or no support: rename.
    if (durability == Durability::RuntimeOnly &&
        ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
        if (::unlink(tmp.c_str()) == 0)
            return;
        // What was at path is no file (a directory): put it back, as rename(2) refuses to replace it.
        int err = errno;
        ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE);
        ::unlink(tmp.c_str());
        ThrowErrno(err, "rename " + tmp + " to " + path);
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        ThrowErrno(err, "rename " + tmp + " to " + path);
    }
}

void MakeDirs(const std::string& path, unsigned mode) {
    if (path.empty())
        return;
    size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        std::string part = path.substr(0, pos);
        if (::mkdir(part.c_str(), mode) < 0 && errno != EEXIST)
            ThrowErrno("mkdir " + part);
    }
}

bool PathExists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

std::string TrimRight(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.pop_back();
    return s;
}

}  // namespace berth
