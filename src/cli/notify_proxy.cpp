#include "cli/notify_proxy.hpp"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include "cli/service_notify.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace berth::cli {
namespace {

constexpr const char* kInsideDir = "/run/berth-notify";

// The message without its MAINPID= line (a pid of the container's namespace means nothing to systemd).
std::string WithoutMainPid(const std::string& message) {
    std::istringstream lines(message);
    std::string line, out;
    while (std::getline(lines, line))
        if (line.rfind("MAINPID=", 0) != 0 && !line.empty())
            out += line + "\n";
    return out;
}

}  // namespace

std::unique_ptr<NotifyProxy> NotifyProxy::ForContainer(config::ContainerConfig& config) {
    if (config.notify != "container" || !std::getenv("NOTIFY_SOCKET"))
        return nullptr;
    std::unique_ptr<NotifyProxy> proxy(new NotifyProxy());
    char dir[] = "/run/berth-notify-XXXXXX";
    if (!mkdtemp(dir))
        ThrowErrno("Failed to make a directory for the notify socket of container " + config.name);
    proxy->dir_ = dir;
    chmod(dir, 0755);
    proxy->socket_ = UniqueFd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!proxy->socket_)
        ThrowErrno("Failed to create the notify socket of container " + config.name);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = proxy->dir_ + "/notify";
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (bind(proxy->socket_.Get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
        ThrowErrno("Failed to bind the notify socket " + path);
    // Whatever user the container's program runs as may send.
    chmod(path.c_str(), 0777);
    config.mounts.push_back({proxy->dir_, kInsideDir, "bind", {"bind"}});
    config.process.env.push_back(std::string("NOTIFY_SOCKET=") + kInsideDir + "/notify");
    SetReadyFromContainer();
    proxy->relay_ = std::thread([p = proxy.get()] { p->Relay(); });
    return proxy;
}

void NotifyProxy::Relay() {
    char buffer[4096];
    for (;;) {
        ssize_t n = recv(socket_.Get(), buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;  // shut down by the destructor
        std::string message = WithoutMainPid(std::string(buffer, static_cast<size_t>(n)));
        LogDebug("passing the container's notification on: " + message);
        if (!message.empty() && sd_notify(0, message.c_str()) < 0)
            LogWarning("Failed to pass the container's notification on to the service manager");
    }
}

NotifyProxy::~NotifyProxy() {
    shutdown(socket_.Get(), SHUT_RDWR);
    if (relay_.joinable())
        relay_.join();
    unlink((dir_ + "/notify").c_str());
    rmdir(dir_.c_str());
}

}  // namespace berth::cli
