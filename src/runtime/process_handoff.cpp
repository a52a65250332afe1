#include "runtime/process_handoff.hpp"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/fd_passing.hpp"
#include "util/file.hpp"

namespace berth::runtime {

void WritePidFile(const std::string& path, pid_t pid) {
    try {
        WriteFileAtomic(path, std::to_string(pid), 0644, Durability::RuntimeOnly);
    } catch (const Error& e) {
        throw Error("Failed to write the pid file " + path + ": " + e.what());
    }
}

void SendConsole(const std::string& socket_path, int pty_master) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof(address.sun_path))
        throw Error("--console-socket " + socket_path + ": the path is too long for a unix socket", ENAMETOOLONG);
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock)
        ThrowErrno("Failed to create a socket for --console-socket");
    if (::connect(sock.Get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) < 0)
        ThrowErrno("Failed to connect to the console socket " + socket_path);
    char name[128] = "/dev/ptmx";
    ::ptsname_r(pty_master, name, sizeof(name));
    SendWithFds(sock.Get(), name, {pty_master});
}

}  // namespace berth::runtime
