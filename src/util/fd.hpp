#pragma once
// An owned file descriptor: closed exactly once, never leaked on early return.
#include <string>
#include <utility>

namespace berth {

class UniqueFd {
public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other)
            Reset(other.Release());
        return *this;
    }
    ~UniqueFd() { Reset(); }

    int Get() const noexcept { return fd_; }
    bool Valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return Valid(); }
    int Release() noexcept { return std::exchange(fd_, -1); }
    void Reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

// open(2) with O_CLOEXEC added; throws Error naming the path on failure.
UniqueFd OpenOrThrow(const std::string& path, int flags, unsigned mode = 0);
// openat(2) relative to a directory fd, O_CLOEXEC added.
UniqueFd OpenAtOrThrow(int dirfd, const std::string& path, int flags, unsigned mode = 0);

// A pair of connected sockets (close-on-exec), e.g. for parent/child sync.
std::pair<UniqueFd, UniqueFd> MakeSocketPair(int type);

}  // namespace berth
