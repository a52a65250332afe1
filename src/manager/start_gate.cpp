#include "manager/start_gate.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

#include "util/error.hpp"

namespace berth::manager {
namespace {

std::string ResultPath(const std::string& container_dir) { return container_dir + "/exec.result"; }

UniqueFd MakeFifo(const std::string& path, const std::string& what) {
    if (::unlink(path.c_str()) < 0 && errno != ENOENT)
        ThrowErrno("remove the stale " + what + " " + path);
    if (::mkfifo(path.c_str(), 0600) < 0)
        ThrowErrno("create the " + what + " " + path);
    // Read-write: opening never blocks, and the init's copy keeps a reader for `start` to find.
    return OpenOrThrow(path, O_RDWR);
}

void WriteAll(int fd, const std::string& data, const std::string& path) {
    // The init may die while we write: EPIPE, not SIGPIPE.
    struct sigaction ignore {}, old {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            ::sigaction(SIGPIPE, &old, nullptr);
            ThrowErrno(err, "write to the start gate " + path);
        }
        done += static_cast<size_t>(n);
    }
    ::sigaction(SIGPIPE, &old, nullptr);
}

// Everything the init writes to the result FIFO before its copy closes (at execve or exit).
std::string ReadResult(int fd) {
    std::string text;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            ThrowErrno("wait for the container's init to exec");
        }
        char buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            ThrowErrno("read the start result");
        if (n == 0)
            return text;
        text.append(buf, static_cast<size_t>(n));
    }
}

}  // namespace

std::string StartGatePath(const std::string& container_dir) { return container_dir + "/exec.fifo"; }

StartGate MakeStartGate(const std::string& container_dir) {
    StartGate gate;
    gate.gate = MakeFifo(StartGatePath(container_dir), "start gate");
    gate.result = MakeFifo(ResultPath(container_dir), "start result FIFO");
    return gate;
}

void OpenStartGate(const std::string& container_dir, const std::string& state) {
    const std::string path = StartGatePath(container_dir);
    const std::string result_path = ResultPath(container_dir);
    // Opened first, so the init's close at execve is an EOF we see. Absent: an init of an older
    // Berth, which only reads the byte.
    int result_fd = ::open(result_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (result_fd < 0 && errno != ENOENT)
        ThrowErrno("open the start result FIFO " + result_path);
    UniqueFd result(result_fd);
    int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENXIO)
            throw Error("Failed to start the container: its init no longer waits (it exited)", ESRCH);
        ThrowErrno("open the start gate " + path);
    }
    UniqueFd gate(fd);
    // Blocking from here: a long state waits for the init to read it.
    if (::fcntl(gate.Get(), F_SETFL, 0) < 0)
        ThrowErrno("make the start gate " + path + " blocking");
    std::string message = "0";
    if (!state.empty()) {
        const uint32_t size = static_cast<uint32_t>(state.size());
        message.append(reinterpret_cast<const char*>(&size), sizeof size);
        message += state;
    }
    WriteAll(gate.Get(), message, path);
    ::unlink(path.c_str());
    if (!result)
        return;
    std::string reason = ReadResult(result.Get());
    ::unlink(result_path.c_str());
    if (!reason.empty())
        throw Error(reason);
}

}  // namespace berth::manager
