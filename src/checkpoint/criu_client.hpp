#pragma once
// Talking to CRIU over its RPC protocol: one `criu swrk <fd>` child per session, requests and
// responses as criu_req/criu_resp over a SOCK_SEQPACKET socketpair, NOTIFY callbacks in between.
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/tmpfs_nodes.hpp"
#include "rpc.pb.h"
#include "util/fd.hpp"

namespace berth::checkpoint {

namespace rpc = ::berth::criurpc;

// One NOTIFY callback from CRIU: script is the stage ("post-dump", "network-lock",
// "setup-namespaces", "post-restore", "orphan-pts-master", ...).
struct CriuNotification {
    std::string script;
    pid_t pid = 0;  // set for post-restore (the restored root task) and setup-namespaces
    UniqueFd fd;    // the pty master for orphan-pts-master, received with SCM_RIGHTS
};
// Called for each NOTIFY before it is answered; throwing aborts the request (CRIU is told "failed").
using NotifyHandler = std::function<void(CriuNotification&)>;

struct CriuProcessOptions {
    std::string criu_path = "criu";
    // Fds the swrk process inherits under the same numbers (e.g. inherit_fd's netns fd).
    std::vector<int> inherit_fds;
    // When set: swrk runs in a private mount namespace in which this directory is bind-mounted
    // onto itself, so it is a mount point CRIU can use as the restored root.
    std::string private_root_bind;
    // Fresh tmpfs mounted in that private namespace before CRIU starts (restore's kFreshTmpfsDirectory/N).
    struct Tmpfs {
        std::string target;
        unsigned long flags = 0;
        std::string data;
        std::vector<TmpfsNode> nodes;  // created in it (a rebuilt /dev)
    };
    std::vector<Tmpfs> private_tmpfs;
    // Bounds on each Call: a CRIU that neither answers within `timeout` nor keeps `log_file` under
    // `log_limit` bytes (a corrupt image can make it loop, logging tens of MB/s) is given up on: the
    // Call throws, and the caller's cleanup kills CRIU's tree (restore: its cgroup).
    std::chrono::milliseconds timeout = std::chrono::minutes(10);
    std::string log_file;  // empty: not watched
    off_t log_limit = kMaxCriuLog;
    // A TCP socket CRIU was handed (its page server connection, ps.fd; one of inherit_fds): while
    // a Call waits, TCP_CORK is taken off it every few ms. CRIU 4.2 corks that socket and sends its
    // last pages and the close without a push, so they waited for the kernel's 200 ms cork limit,
    // inside the freeze.
    int uncorked_fd = -1;
    static constexpr off_t kMaxCriuLog = 64 << 20;
};

// The start of every dump and restore request: its type, notify_success set, and the image and
// work directories as fds.
rpc::criu_req DirectoryRequest(rpc::criu_req_type type, int images_dir_fd, int work_dir_fd);

// A running `criu swrk` child; killed and reaped when destroyed.
class CriuProcess {
public:
    static CriuProcess Start(const CriuProcessOptions& options);
    CriuProcess(CriuProcess&& other) noexcept;
    CriuProcess& operator=(CriuProcess&&) = delete;
    CriuProcess(const CriuProcess&) = delete;
    ~CriuProcess();

    pid_t Pid() const noexcept { return pid_; }

    // Sends req and returns CRIU's final response, answering each NOTIFY in between.
    // `what` names the request in errors ("dump container web"). A response with
    // success = false is returned, not thrown: the caller adds the log file to the error.
    rpc::criu_resp Call(const std::string& what, const rpc::criu_req& req, const NotifyHandler& on_notify = {});

    // Closes the connection and waits for swrk to exit; returns its wait status.
    int Finish();

private:
    CriuProcess(pid_t pid, UniqueFd socket, const CriuProcessOptions& options);
    // Waits until the socket is readable; throws when a bound of CriuProcessOptions is passed or
    // SIGINT/SIGTERM arrives (while a Call runs, a berthctl owns them: see interrupts_).
    void WaitReadable(const std::string& what, std::chrono::steady_clock::time_point deadline);
    void Send(const std::string& what, const rpc::criu_req& req);
    // Receives one message, collecting any fds passed alongside it.
    std::string Receive(const std::string& what, std::vector<UniqueFd>& fds,
                        std::chrono::steady_clock::time_point deadline);

    pid_t pid_ = -1;
    UniqueFd socket_;
    bool reaped_ = false;
    std::chrono::milliseconds timeout_;
    std::string log_file_;
    off_t log_limit_;
    int uncorked_fd_;
    // A signalfd for SIGINT/SIGTERM when the starting thread left them to their default action (a
    // berthctl): they then interrupt the Call instead of killing us with CRIU left running.
    sigset_t blocked_before_{};
    UniqueFd interrupts_;
};

// Parses one criu_resp message as read from the socket; throws Error on malformed bytes.
rpc::criu_resp ParseCriuResponse(std::string_view bytes, const std::string& what);

// The name CRIU's protocol gives a request type ("DUMP", "RESTORE", "VERSION", ...).
std::string RequestTypeName(rpc::criu_req_type type);

}  // namespace berth::checkpoint
