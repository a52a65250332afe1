#include "bus/monitor_request.hpp"

#include <fcntl.h>

#include <cerrno>

#include "util/error.hpp"
#include "util/fd_passing.hpp"
#include "util/log.hpp"

namespace berth::bus {

std::string EncodeMonitorRequest(const MonitorRequest& request) {
    std::string bytes;
    for (const std::string& field :
         {request.name, request.restore.image_dir, request.restore.import_path, request.restore.netns_path,
          std::string(request.stdio ? "1" : "0"), std::string(request.console ? "1" : "0"),
          std::to_string(request.listen_fds), request.listen_fd_names, std::to_string(request.rows),
          std::to_string(request.columns), request.cgroup_driver, request.config_path, request.log_dir})
        bytes += field + '\0';
    return bytes;
}

MonitorRequest DecodeMonitorRequest(const std::string& bytes, size_t fd_count) {
    std::vector<std::string> fields;
    for (size_t at = 0, end; (end = bytes.find('\0', at)) != std::string::npos; at = end + 1)
        fields.push_back(bytes.substr(at, end - at));
    if (fields.size() != 13)
        throw Error("Monitor: malformed request (" + std::to_string(fields.size()) + " fields, expected 13)", EINVAL);
    MonitorRequest request;
    request.name = fields[0];
    request.restore = RestoreSource{fields[1], fields[2], fields[3]};
    request.stdio = fields[4] == "1";
    request.console = fields[5] == "1";
    try {
        request.listen_fds = std::stoul(fields[6]);
        request.rows = static_cast<unsigned short>(std::stoul(fields[8]));
        request.columns = static_cast<unsigned short>(std::stoul(fields[9]));
    } catch (const std::exception&) {
        throw Error("Monitor: malformed request (a number is not one)", EINVAL);
    }
    request.listen_fd_names = fields[7];
    request.cgroup_driver = fields[10];
    request.config_path = fields[11];
    request.log_dir = fields[12];
    if (request.listen_fds > kMaxListenFds || request.FdCount() != fd_count)
        throw Error("Monitor: malformed request (" + std::to_string(fd_count) + " fds, expected " +
                        std::to_string(request.FdCount()) + ")",
                    EINVAL);
    return request;
}

std::vector<UniqueFd> PrepareListenFds(const MonitorAttachments& attachments, manager::RunOptions& options) {
    std::vector<UniqueFd> fillers;
    options.window = {attachments.rows, attachments.columns};
    if (attachments.listen_fds.empty())
        return fillers;
    options.listen_fds = static_cast<int>(attachments.listen_fds.size());
    options.listen_fd_names = attachments.listen_fd_names;
    for (const UniqueFd& fd : attachments.listen_fds)
        options.listen_fd_sources.push_back(fd.Get());
    const int end = 3 + options.listen_fds;
    for (;;) {
        UniqueFd filler(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!filler)
            ThrowErrno("Failed to open /dev/null to reserve fds below " + std::to_string(end));
        if (filler.Get() >= end)
            return fillers;  // every lower number is taken: the launch's fds come above
        fillers.push_back(std::move(filler));
    }
}

void HandOverTerminal(manager::Container& container, const MonitorAttachments& attachments) {
    if (!attachments.console_socket)
        return;  // nobody to hand it to: the spare keeps it until it exits, as without a console socket
    UniqueFd master = container.TakeTerminalMaster();
    if (!master)
        return;
    try {
        SendWithFds(attachments.console_socket.Get(), "pty", {master.Get()});
    } catch (const Error& e) {
        LogWarning("Failed to hand the terminal of container " + container.State().name + " over: " + e.what());
    }
}

}  // namespace berth::bus
