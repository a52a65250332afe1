#pragma once
// notify = "container" (berth.toml(5)): the container's program, not berthctl, says when the
// berth@.service unit is ready. berthctl binds a datagram socket in a private directory, mounts
// that directory into the container with NOTIFY_SOCKET naming the socket, and passes what arrives
// (but MAINPID=, which would name a pid of another namespace) on to its own NOTIFY_SOCKET.
#include <memory>
#include <string>
#include <thread>

#include "config/model.hpp"
#include "util/fd.hpp"

namespace berth::cli {

class NotifyProxy {
public:
    // A proxy for config when it asks for notify = "container" and berthctl runs under a service
    // manager (NOTIFY_SOCKET set); config gets the mount and the environment. Else nullptr.
    static std::unique_ptr<NotifyProxy> ForContainer(config::ContainerConfig& config);
    NotifyProxy(const NotifyProxy&) = delete;
    NotifyProxy& operator=(const NotifyProxy&) = delete;
    // Stops relaying and removes the socket and its directory.
    ~NotifyProxy();

private:
    NotifyProxy() = default;
    void Relay();

    std::string dir_;
    UniqueFd socket_;
    std::thread relay_;
};

}  // namespace berth::cli
