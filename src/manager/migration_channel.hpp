#pragma once
// The control connection of a one-step migration (berthctl migrate): one TCP connection carrying
// frames, each a 4-letter kind, a 64-bit big-endian length and that many bytes. The pages do not
// travel here (CRIU's page server takes them); the images travel as a checkpoint archive.
#include <chrono>
#include <cstdint>
#include <string>

#include "util/fd.hpp"

namespace berth::manager {

// "HOST:PORT" or "[IPV6]:PORT", split at the last colon; HOST may be empty ("listen on all").
struct HostPort {
    std::string host;
    int port = 0;
    std::string ToString() const;
};
// Throws Error naming `option` when spec is not HOST:PORT with a port in 0..65535 (0 only if allow_zero).
HostPort ParseHostPort(const std::string& spec, const std::string& option, bool allow_zero);

struct Frame {
    std::string kind;
    std::string body;
};

class MigrationChannel {
public:
    // Connects to the receiver; throws Error naming it.
    static MigrationChannel Connect(const HostPort& to);
    MigrationChannel(UniqueFd socket, std::string peer);

    void Send(const std::string& kind, const std::string& body);
    // Sends the file's content as one frame, streamed; returns its size.
    uint64_t SendFile(const std::string& kind, const std::string& path);
    // The next frame; a body longer than max_body is refused (the peer is not a Berth migration).
    Frame Receive(uint64_t max_body);
    // The next frame, which must be of `kind`, its body written into a new file at `path`; a frame
    // of another kind is returned with its body (max_body) instead, `path` untouched.
    Frame ReceiveFile(const std::string& kind, const std::string& path, uint64_t max_body);
    // Ends the connection for both sides, even if a forked child still holds the socket.
    void Shutdown() noexcept;

    const std::string& Peer() const { return peer_; }
    // The numeric addresses of both ends, as the page server uses them.
    std::string LocalAddress() const;
    std::string PeerAddress() const;

private:
    void ReadExactly(char* data, size_t size);
    void WriteExactly(const char* data, size_t size);
    void SendHeader(const std::string& kind, uint64_t size);
    std::pair<std::string, uint64_t> ReceiveHeader();

    UniqueFd socket_;
    std::string peer_;
};

class MigrationListener {
public:
    // Listens on `on` (port 0: one the kernel picks); throws Error naming the address.
    static MigrationListener Listen(const HostPort& on);
    // The port listened on (the kernel's pick for port 0).
    int Port() const { return port_; }
    // Waits for one connection.
    MigrationChannel Accept();

private:
    MigrationListener(UniqueFd socket, int port, std::string address);
    UniqueFd socket_;
    int port_;
    std::string address_;
};

}  // namespace berth::manager
