#pragma once
// What berthd asks of the monitor server's spare (monitor_server.hpp): one SEQPACKET message of
// NUL-terminated fields with fds attached, passed on by the server unread. The fds, in order: the
// status socket; stdin, stdout, stderr when stdio; the console socket when console; then
// listen_fds socket activation fds.
#include <cstddef>
#include <string>
#include <vector>

#include "bus/manager_engine.hpp"
#include "manager/manager.hpp"
#include "util/fd.hpp"

namespace berth::bus {

// As many as systemd passes at most in practice, and far below SCM_MAX_FD (253).
constexpr size_t kMaxListenFds = 64;
constexpr size_t kMaxMonitorRequestFds = 1 + 3 + 1 + kMaxListenFds;

struct MonitorRequest {
    std::string name;
    RestoreSource restore;
    bool stdio = false;
    bool console = false;
    size_t listen_fds = 0;
    std::string listen_fd_names;  // LISTEN_FDNAMES, colon-separated
    unsigned short rows = 0, columns = 0;  // with console: the terminal's window size
    // The requesting berthd's settings: a server outlives the berthd that spawned it, and the next
    // one may run with other options.
    std::string cgroup_driver, config_path, log_dir;
    size_t FdCount() const { return 1 + (stdio ? 3 : 0) + (console ? 1 : 0) + listen_fds; }
};

std::string EncodeMonitorRequest(const MonitorRequest& request);
// Throws Error when the bytes are not a request or fd_count does not match it.
MonitorRequest DecodeMonitorRequest(const std::string& bytes, size_t fd_count);

// What a monitor hands its container besides stdio: the console socket, socket activation fds.
struct MonitorAttachments {
    UniqueFd console_socket;
    std::vector<UniqueFd> listen_fds;
    std::string listen_fd_names;
    unsigned short rows = 0, columns = 0;
};

// Socket activation fds for a start from this process: sets options' listen fds and returns
// /dev/null fds holding every free number in 3..3+n-1 until the start is done, so that nothing the
// launch opens lands there (the init's 3.. are the listen fds).
std::vector<UniqueFd> PrepareListenFds(const MonitorAttachments& attachments, manager::RunOptions& options);

// Sends a terminal container's pty master to the console socket (if both exist) and closes ours;
// a failure is logged: the receiver sees EOF without a terminal and says so.
void HandOverTerminal(manager::Container& container, const MonitorAttachments& attachments);

}  // namespace berth::bus
