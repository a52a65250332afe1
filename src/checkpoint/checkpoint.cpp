// Checkpoint: VERSION, then DUMP of the container's init with its external mounts and netns.
#include "checkpoint/checkpoint.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "checkpoint/criu_client.hpp"
#include "checkpoint/criu_log.hpp"
#include "checkpoint/criu_version.hpp"
#include "checkpoint/external_mounts.hpp"
#include "checkpoint/private_netns.hpp"
#include "checkpoint/tmpfs_nodes.hpp"
#include "config/loader.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace berth::checkpoint {

namespace {

rpc::criu_cg_mode CgroupMode(const std::string& name) {
    static const std::map<std::string, rpc::criu_cg_mode> modes = {
        {"soft", rpc::SOFT}, {"full", rpc::FULL},   {"strict", rpc::STRICT},
        {"ignore", rpc::IGNORE}, {"props", rpc::PROPS}, {"none", rpc::CG_NONE},
    };
    auto it = modes.find(name);
    if (it == modes.end())
        throw Error("Failed to checkpoint: manage-cgroups-mode '" + name +
                    "' is not one of soft, full, strict, ignore, props, none");
    return it->second;
}

uint64_t NamespaceInode(pid_t pid, const std::string& kind) {
    std::string path = "/proc/" + std::to_string(pid) + "/ns/" + kind;
    struct stat st{};
    if (::stat(path.c_str(), &st) < 0)
        ThrowErrno("Failed to stat " + path);
    return st.st_ino;
}

// The mount id of an open fd, from /proc/PID/fdinfo/FD; -1 when unknown.
int FdMountId(pid_t pid, int fd) {
    auto info = ReadFileIfExists("/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd));
    if (!info)
        return -1;
    size_t at = info->find("mnt_id:");
    return at == std::string::npos ? -1 : std::atoi(info->c_str() + at + 7);
}

// What the init's fds 0-2 are, as CRIU will name them: pipes and sockets by "pipe:[INO]", files
// outside the container's mounts (the host's /dev/null, a log file) as external "file[MNT:INO]"
// (hex, CRIU's format), anything inside the container by its path.
std::vector<std::string> StdioKeys(pid_t pid, const std::vector<MountInfoEntry>& mounts,
                                   std::vector<std::string>& paths) {
    std::vector<std::string> keys;
    for (int fd = 0; fd < 3; ++fd) {
        std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
        char buffer[4096];
        ssize_t n = ::readlink(link.c_str(), buffer, sizeof(buffer) - 1);
        if (n < 0) {
            keys.emplace_back();
            paths.emplace_back();
            continue;
        }
        std::string target(buffer, static_cast<size_t>(n));
        paths.push_back(target);
        struct stat st{};
        int mnt_id = FdMountId(pid, fd);
        bool inside = std::any_of(mounts.begin(), mounts.end(), [&](const MountInfoEntry& m) { return m.id == mnt_id; });
        if (target.rfind("/", 0) == 0 && !inside && ::stat(link.c_str(), &st) == 0) {
            char key[64];
            std::snprintf(key, sizeof(key), "file[%x:%llx]", static_cast<unsigned>(mnt_id),
                          static_cast<unsigned long long>(st.st_ino));
            target = key;
        }
        keys.push_back(target);
    }
    return keys;
}

UniqueFd OpenDirectory(const std::string& path) {
    return OpenOrThrow(path, O_RDONLY | O_DIRECTORY);
}

// Pre-copy: PRE_DUMP instead of DUMP, tracking memory, on top of the parent's pages. CRIU links
// the parent as "parent" in the image directory: a relative link keeps a copied tree restorable.
// Returns the parent relative to image_dir ("" without one).
std::string ApplyPreCopy(CriuProcess& criu, const CheckpointOptions& options, const std::string& what,
                         rpc::criu_req& req) {
    if (!options.pre_dump && options.parent_dir.empty())
        return "";
    if (options.pre_dump)
        req.set_type(rpc::PRE_DUMP);
    std::string parent;
    if (!options.parent_dir.empty()) {
        struct stat st{};
        if (::stat(options.parent_dir.c_str(), &st) < 0 || !S_ISDIR(st.st_mode))
            throw Error("Failed to " + what + ": the parent image directory " + options.parent_dir +
                        " (--parent-path) is not a directory");
        parent = std::filesystem::relative(options.parent_dir, options.image_dir).string();
        req.mutable_opts()->set_parent_img(parent);
    }
    RequireMemoryTracking(criu, what);
    req.mutable_opts()->set_track_mem(true);
    return parent;
}

// "ADDRESS:PORT" (the last colon splits: an IPv6 address keeps its own), connected: CRIU gets
// the socket (ps.fd) so that we can keep it uncorked (CriuProcessOptions::uncorked_fd).
UniqueFd ConnectPageServer(const std::string& spec, const std::string& what) {
    size_t colon = spec.rfind(':');
    int port = colon == std::string::npos ? 0 : std::atoi(spec.c_str() + colon + 1);
    if (colon == 0 || colon == std::string::npos || port <= 0 || port > 65535)
        throw Error("Failed to " + what + ": --page-server " + spec + " is not ADDRESS:PORT");
    std::string address = spec.substr(0, colon);
    if (address.size() > 2 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (int r = ::getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &list); r != 0)
        throw Error("Failed to " + what + ": cannot resolve the page server " + spec + ": " + ::gai_strerror(r));
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> owned(list, ::freeaddrinfo);
    int error = 0;
    for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
        UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (fd && ::connect(fd.Get(), ai->ai_addr, ai->ai_addrlen) == 0)
            return fd;
        error = errno;
    }
    ThrowErrno(error, "Failed to " + what + ": connect to the page server " + spec);
}

// Only the socket: CRIU warns that an address or port beside it is obsolete.
void ApplyPageServer(int fd, rpc::criu_req& req) { req.mutable_opts()->mutable_ps()->set_fd(fd); }

// CRIU's options that follow from the request and the container's configuration.
void SetDumpOptions(rpc::criu_opts& o, const CheckpointedContainer& container, const CheckpointOptions& options,
                    rpc::criu_cg_mode cg_mode) {
    o.set_log_file("dump.log");
    o.set_log_level(4);
    o.set_pid(container.init_pid);
    o.set_root(container.config.rootfs);
    o.set_leave_running(options.leave_running);
    o.set_tcp_established(options.flags.tcp_established);
    o.set_ext_unix_sk(options.flags.ext_unix_sk);
    o.set_shell_job(options.flags.shell_job);
    o.set_file_locks(options.flags.file_locks);
    o.set_notify_scripts(true);
    // Locking matters for live TCP only (without --tcp-established CRIU refuses such connections):
    // skipping it saves an iptables round at dump and at restore.
    if (!options.flags.tcp_established)
        o.set_network_lock(rpc::SKIP);
    // The pty master is ours, outside the dumped tree: CRIU accepts the slave alone only with this.
    o.set_orphan_pts_master(container.config.process.terminal);
    o.set_manage_cgroups(cg_mode != rpc::IGNORE);
    o.set_manage_cgroups_mode(cg_mode);
}

// The mounts CRIU leaves to us (binds, masks, recreatable tmpfs) and the host files on the init's
// stdio, recorded in the descriptor and declared external.
void AddExternals(rpc::criu_opts& o, const CheckpointedContainer& container,
                  const std::vector<MountInfoEntry>& mounts, Descriptor& d) {
    const std::string init_root = "/proc/" + std::to_string(container.init_pid) + "/root";
    d.external_mounts = ExternalMountsOf(container.config, mounts, [&](const std::string& path) {
        struct stat st{};
        return ::stat((init_root + path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    });
    for (ExternalMount& m : RecreatableTmpfsMountsOf(mounts, d.external_mounts, [&](const std::string& path) {
             return ListTmpfsNodes(init_root + path);
         }))
        d.external_mounts.push_back(std::move(m));
    for (const ExternalMount& m : d.external_mounts) {
        rpc::criu_ext_mnt* ext = o.add_ext_mnt();
        ext->set_key(m.destination);
        ext->set_val(m.destination);
    }

    for (size_t i = 0; i < d.stdio.size(); ++i) {
        bool first = std::find(d.stdio.begin(), d.stdio.begin() + static_cast<long>(i), d.stdio[i]) ==
                     d.stdio.begin() + static_cast<long>(i);
        if (first && d.stdio[i].rfind("file[", 0) == 0)
            o.add_external(d.stdio[i]);
    }
}

// How the network namespace is dumped: a joined one as external (when this CRIU can), an own one
// holding only loopback as empty (made again at restore), any other with its content.
void ChooseNetnsDump(rpc::criu_opts& o, CriuProcess& criu, const CheckpointedContainer& container,
                     const CheckpointOptions& options, const std::vector<MountInfoEntry>& mounts,
                     CheckpointResult& result) {
    Descriptor& d = result.descriptor;
    const config::NamespaceConfig* net = container.config.FindNamespace(config::NamespaceKind::Net);
    bool own_netns_only_loopback = false;
    // Live TCP needs its addresses and routes restored: then the content is dumped anyway.
    if (net != nullptr && !net->path && !options.flags.tcp_established) {
        std::optional<std::string> beyond = NetnsContentBeyondLoopback(
            ReadNetnsSnapshot(container.init_pid, mounts, container.config.capabilities.bounding));
        if (beyond)
            LogDebug("CRIU dumps the network namespace: " + *beyond);
        own_netns_only_loopback = !beyond;
    }

    d.criu_version = QueryCriuVersion(criu);
    if (net != nullptr && net->path) {
        NetnsDecision decision = DecideExternalNetns(d.criu_version, net->path);
        d.netns_path = net->path;
        d.netns_inode = NamespaceInode(container.init_pid, "net");
        d.external_netns = decision.use_external;
        if (decision.warning) {
            LogWarning(*decision.warning);
            result.warnings.push_back(*decision.warning);
        }
        if (decision.use_external)
            o.add_external("net[" + std::to_string(d.netns_inode) + "]:extRootNetNS");
    } else if (own_netns_only_loopback) {
        d.empty_netns = true;
        o.set_empty_ns(CLONE_NEWNET);
    }
}

// DUMP (or PRE_DUMP), with the descriptor written first so a dump that kills the container never
// leaves images without it (a pre-dump's images are not restorable: they get none); a failed dump
// takes it away again.
void RunDump(CriuProcess& criu, const rpc::criu_req& req, const CheckpointOptions& options, const std::string& what,
             CheckpointResult& result, int page_server_fd) {
    if (!options.pre_dump)
        WriteDescriptor(options.image_dir, result.descriptor);
    rpc::criu_resp resp;
    try {
        result.dump_requested = std::chrono::steady_clock::now();
        resp = criu.Call(what, req, [&](CriuNotification& n) {
            LogDebug("criu notify: " + n.script);
            // CRIU is done with the page server (post-dump follows its disconnect), which writes
            // its last images only once the connection ends: our copy of the socket must not keep it.
            if (n.script == "post-dump" && page_server_fd >= 0)
                ::shutdown(page_server_fd, SHUT_RDWR);
            if (n.script == "post-dump" && options.post_dump) {
                result.post_dump_reached = std::chrono::steady_clock::now();
                options.post_dump(result);
            }
        });
    } catch (...) {
        ::unlink((options.image_dir + "/" + kDescriptorFile).c_str());
        throw;
    }
    if (!resp.success()) {
        ::unlink((options.image_dir + "/" + kDescriptorFile).c_str());
        ThrowCriuFailure(what, resp, result.log_path);
    }
}

}  // namespace

PageServer StartPageServer(const PageServerOptions& options) {
    const std::string what = "start CRIU's page server in " + options.image_dir;
    CriuProcess criu = CriuProcess::Start({options.criu_path, {}, {}});
    MakeDirs(options.image_dir, 0700);
    UniqueFd image_fd = OpenDirectory(options.image_dir);
    PageServer server;
    server.log_path = options.image_dir + "/page-server.log";
    rpc::criu_req req;
    req.set_type(rpc::PAGE_SERVER);
    rpc::criu_opts& o = *req.mutable_opts();
    o.set_images_dir_fd(image_fd.Get());
    o.set_log_file("page-server.log");
    o.set_log_level(4);
    if (!options.address.empty())
        o.mutable_ps()->set_address(options.address);
    o.mutable_ps()->set_port(options.port);
    rpc::criu_resp resp = criu.Call(what, req);
    if (!resp.success())
        ThrowCriuFailure(what, resp, server.log_path);
    server.pid = resp.ps().pid();
    server.port = resp.ps().port();
    criu.Finish();
    return server;
}

std::string DefaultCriuPath() {
    const char* env = std::getenv("BERTH_CRIU");
    if (env != nullptr && *env != '\0')
        return env;
    try {
        config::DaemonConfig daemon = config::LoadDaemonConfig(config::SearchPath::DefaultDaemon());
        if (!daemon.criu_path.empty())
            return daemon.criu_path;
    } catch (const std::exception& e) {
        // A broken berthd.toml must not make checkpoints impossible: say so, use PATH.
        LogWarning(std::string("Ignoring criu_path of berthd.toml: ") + e.what());
    }
    return "criu";
}

CheckpointResult Checkpoint(const CheckpointedContainer& container, const CheckpointOptions& options) {
    const std::string what = (options.pre_dump ? "pre-dump container " : "checkpoint container ") + container.name;
    rpc::criu_cg_mode cg_mode = CgroupMode(options.manage_cgroups_mode.empty() ? "ignore" : options.manage_cgroups_mode);
    UniqueFd page_server;
    if (!options.page_server.empty())
        page_server = ConnectPageServer(options.page_server, what);
    // CRIU takes tens of ms to start (exec, its libraries): it does so while we read /proc below.
    CriuProcessOptions criu_options{options.criu_path, {}, {}, {},
                                    std::chrono::duration_cast<std::chrono::milliseconds>(
                                        container.config.checkpoint.criu_timeout)};
    if (page_server) {
        criu_options.inherit_fds.push_back(page_server.Get());
        criu_options.uncorked_fd = page_server.Get();
    }
    CriuProcess criu = CriuProcess::Start(criu_options);
    MakeDirs(options.image_dir, 0700);
    std::string work_dir = options.work_dir.empty() ? options.image_dir : options.work_dir;
    MakeDirs(work_dir, 0700);
    UniqueFd image_fd = OpenDirectory(options.image_dir);
    UniqueFd work_fd = OpenDirectory(work_dir);

    CheckpointResult result;
    result.log_path = work_dir + "/dump.log";
    Descriptor& d = result.descriptor;
    d.container = container.name;
    d.config_toml = config::FormatContainerConfig(container.config);
    d.created = CurrentTimeRfc3339();
    d.flags = options.flags;
    std::vector<MountInfoEntry> mounts = ReadMountInfo(container.init_pid);
    d.stdio = StdioKeys(container.init_pid, mounts, d.stdio_paths);

    rpc::criu_req req = DirectoryRequest(rpc::DUMP, image_fd.Get(), work_fd.Get());
    rpc::criu_opts& o = *req.mutable_opts();
    SetDumpOptions(o, container, options, cg_mode);
    d.parent = ApplyPreCopy(criu, options, what, req);
    if (page_server)
        ApplyPageServer(page_server.Get(), req);
    AddExternals(o, container, mounts, d);
    ChooseNetnsDump(o, criu, container, options, mounts, result);

    RunDump(criu, req, options, what, result, page_server ? page_server.Get() : -1);
    criu.Finish();
    return result;
}

}  // namespace berth::checkpoint
