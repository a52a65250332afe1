#include "manager/migration_channel.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "util/error.hpp"

namespace berth::manager {
namespace {

constexpr size_t kKindSize = 4;
constexpr size_t kHeaderSize = kKindSize + 8;
// Bounds a read or write on the connection: the receiver's restore is the longest wait (CRIU's
// own bound is [checkpoint] criu_timeout, 10 min by default).
constexpr std::chrono::minutes kIoTimeout{11};

void SetTimeouts(int fd) {
    timeval tv{};
    tv.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(kIoTimeout).count();
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    // Small frames answer each other: no Nagle delay in the downtime.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

std::string NumericAddress(const sockaddr_storage& address) {
    char host[NI_MAXHOST] = "";
    ::getnameinfo(reinterpret_cast<const sockaddr*>(&address), sizeof address, host, sizeof host, nullptr, 0,
                  NI_NUMERICHOST);
    return host;
}

struct AddrInfoDeleter {
    void operator()(addrinfo* list) const { ::freeaddrinfo(list); }
};
using AddrInfoList = std::unique_ptr<addrinfo, AddrInfoDeleter>;

AddrInfoList Resolve(const HostPort& where, bool passive) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    addrinfo* list = nullptr;
    std::string port = std::to_string(where.port);
    int r = ::getaddrinfo(where.host.empty() ? nullptr : where.host.c_str(), port.c_str(), &hints, &list);
    if (r != 0)
        throw Error("Failed to resolve " + where.ToString() + ": " + ::gai_strerror(r));
    return AddrInfoList(list);
}

}  // namespace

std::string HostPort::ToString() const {
    std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return shown + ":" + std::to_string(port);
}

HostPort ParseHostPort(const std::string& spec, const std::string& option, bool allow_zero) {
    size_t colon = spec.rfind(':');
    HostPort hp;
    char* end = nullptr;
    long port = colon == std::string::npos ? -1 : std::strtol(spec.c_str() + colon + 1, &end, 10);
    if (colon == std::string::npos || end == spec.c_str() + colon + 1 || *end != '\0' || port < (allow_zero ? 0 : 1) ||
        port > 65535)
        throw Error(option + " " + spec + " is not HOST:PORT");
    hp.host = spec.substr(0, colon);
    if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']')
        hp.host = hp.host.substr(1, hp.host.size() - 2);
    hp.port = static_cast<int>(port);
    return hp;
}

MigrationChannel MigrationChannel::Connect(const HostPort& to) {
    AddrInfoList list = Resolve(to, false);
    int last_error = 0;
    for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
        UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (!fd) {
            last_error = errno;
            continue;
        }
        SetTimeouts(fd.Get());
        if (::connect(fd.Get(), ai->ai_addr, ai->ai_addrlen) == 0)
            return MigrationChannel(std::move(fd), to.ToString());
        last_error = errno;
    }
    ThrowErrno(last_error, "Failed to connect to the migration receiver at " + to.ToString() +
                               " (is `berthctl migrate --receive` listening there?)");
}

MigrationChannel::MigrationChannel(UniqueFd socket, std::string peer) : socket_(std::move(socket)), peer_(std::move(peer)) {}

void MigrationChannel::WriteExactly(const char* data, size_t size) {
    while (size > 0) {
        ssize_t n = ::send(socket_.Get(), data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            ThrowErrno("Failed to send to " + peer_);
        data += n;
        size -= static_cast<size_t>(n);
    }
}

void MigrationChannel::ReadExactly(char* data, size_t size) {
    while (size > 0) {
        ssize_t n = ::recv(socket_.Get(), data, size, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            ThrowErrno(errno == EAGAIN ? ETIMEDOUT : errno, "Failed to receive from " + peer_);
        if (n == 0)
            throw Error("Failed to receive from " + peer_ + ": the connection was closed");
        data += n;
        size -= static_cast<size_t>(n);
    }
}

void MigrationChannel::SendHeader(const std::string& kind, uint64_t size) {
    char header[kHeaderSize];
    std::memcpy(header, kind.data(), kKindSize);
    for (int i = 0; i < 8; ++i)
        header[kKindSize + i] = static_cast<char>((size >> (56 - 8 * i)) & 0xff);
    WriteExactly(header, sizeof header);
}

std::pair<std::string, uint64_t> MigrationChannel::ReceiveHeader() {
    char header[kHeaderSize];
    ReadExactly(header, sizeof header);
    uint64_t size = 0;
    for (int i = 0; i < 8; ++i)
        size = (size << 8) | static_cast<unsigned char>(header[kKindSize + i]);
    return {std::string(header, kKindSize), size};
}

void MigrationChannel::Send(const std::string& kind, const std::string& body) {
    SendHeader(kind, body.size());
    WriteExactly(body.data(), body.size());
}

uint64_t MigrationChannel::SendFile(const std::string& kind, const std::string& path) {
    UniqueFd fd = OpenOrThrow(path, O_RDONLY);
    off_t size = ::lseek(fd.Get(), 0, SEEK_END);
    if (size < 0 || ::lseek(fd.Get(), 0, SEEK_SET) < 0)
        ThrowErrno("Failed to seek in " + path);
    SendHeader(kind, static_cast<uint64_t>(size));
    char buffer[1 << 16];
    for (off_t left = size; left > 0;) {
        ssize_t n = ::read(fd.Get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            ThrowErrno(n == 0 ? EIO : errno, "Failed to read " + path + " while sending it");
        size_t chunk = static_cast<size_t>(std::min<off_t>(n, left));
        WriteExactly(buffer, chunk);
        left -= static_cast<off_t>(chunk);
    }
    return static_cast<uint64_t>(size);
}

Frame MigrationChannel::Receive(uint64_t max_body) {
    auto [kind, size] = ReceiveHeader();
    if (size > max_body)
        throw Error("Failed to receive from " + peer_ + ": a " + kind + " message of " + std::to_string(size) +
                    " bytes (more than " + std::to_string(max_body) + "; not a Berth migration peer?)");
    Frame frame{kind, std::string(size, '\0')};
    ReadExactly(frame.body.data(), frame.body.size());
    return frame;
}

Frame MigrationChannel::ReceiveFile(const std::string& kind, const std::string& path, uint64_t max_body) {
    auto [got, size] = ReceiveHeader();
    if (got != kind) {
        if (size > max_body)
            throw Error("Failed to receive from " + peer_ + ": a " + got + " message of " + std::to_string(size) +
                        " bytes where " + kind + " was expected");
        Frame frame{got, std::string(size, '\0')};
        ReadExactly(frame.body.data(), frame.body.size());
        return frame;
    }
    UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    char buffer[1 << 16];
    for (uint64_t left = size; left > 0;) {
        size_t chunk = static_cast<size_t>(std::min<uint64_t>(left, sizeof buffer));
        ReadExactly(buffer, chunk);
        for (size_t done = 0; done < chunk;) {
            ssize_t n = ::write(fd.Get(), buffer + done, chunk - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                ThrowErrno("Failed to write " + path);
            done += static_cast<size_t>(n);
        }
        left -= chunk;
    }
    return Frame{got, {}};
}

void MigrationChannel::Shutdown() noexcept {
    if (socket_)
        ::shutdown(socket_.Get(), SHUT_RDWR);
}

std::string MigrationChannel::LocalAddress() const {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(socket_.Get(), reinterpret_cast<sockaddr*>(&address), &length) < 0)
        ThrowErrno("Failed to read the local address of the connection with " + peer_);
    return NumericAddress(address);
}

std::string MigrationChannel::PeerAddress() const {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(socket_.Get(), reinterpret_cast<sockaddr*>(&address), &length) < 0)
        ThrowErrno("Failed to read the address of " + peer_);
    return NumericAddress(address);
}

MigrationListener::MigrationListener(UniqueFd socket, int port, std::string address)
    : socket_(std::move(socket)), port_(port), address_(std::move(address)) {}

MigrationListener MigrationListener::Listen(const HostPort& on) {
    AddrInfoList list = Resolve(on, true);
    int last_error = 0;
    for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
        UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (!fd) {
            last_error = errno;
            continue;
        }
        int one = 1;
        ::setsockopt(fd.Get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd.Get(), ai->ai_addr, ai->ai_addrlen) < 0 || ::listen(fd.Get(), 1) < 0) {
            last_error = errno;
            continue;
        }
        sockaddr_storage bound{};
        socklen_t length = sizeof bound;
        if (::getsockname(fd.Get(), reinterpret_cast<sockaddr*>(&bound), &length) < 0)
            ThrowErrno("Failed to read the port listened on at " + on.ToString());
        int port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                               : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
        return MigrationListener(std::move(fd), port, on.host);
    }
    ThrowErrno(last_error, "Failed to listen on " + on.ToString());
}

MigrationChannel MigrationListener::Accept() {
    for (;;) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        int fd = ::accept4(socket_.Get(), reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
        if (fd < 0 && errno == EINTR)
            continue;
        if (fd < 0)
            ThrowErrno("Failed to accept a migration on port " + std::to_string(port_));
        SetTimeouts(fd);
        return MigrationChannel(UniqueFd(fd), NumericAddress(peer));
    }
}

}  // namespace berth::manager
