#include "manager/start_gate.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.hpp"

namespace berth::manager {

std::string StartGatePath(const std::string& container_dir) { return container_dir + "/exec.fifo"; }

UniqueFd MakeStartGate(const std::string& container_dir) {
    const std::string path = StartGatePath(container_dir);
    if (::unlink(path.c_str()) < 0 && errno != ENOENT)
        ThrowErrno("remove the stale start gate " + path);
    if (::mkfifo(path.c_str(), 0600) < 0)
        ThrowErrno("create the start gate " + path);
    // Read-write: opening never blocks, and the init's copy keeps a reader for `start` to find.
    return OpenOrThrow(path, O_RDWR);
}

void OpenStartGate(const std::string& container_dir) {
    const std::string path = StartGatePath(container_dir);
    int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENXIO)
            throw Error("Failed to start the container: its init no longer waits (it exited)", ESRCH);
        ThrowErrno("open the start gate " + path);
    }
    UniqueFd gate(fd);
    const char byte = '0';
    if (::write(gate.Get(), &byte, 1) != 1)
        ThrowErrno("write to the start gate " + path);
    ::unlink(path.c_str());
}

}  // namespace berth::manager
