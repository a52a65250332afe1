// CPUINFO_DUMP and CPUINFO_CHECK over CRIU's RPC (what `criu cpuinfo dump|check` do).
#include "checkpoint/cpu_compat.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "checkpoint/criu_client.hpp"
#include "checkpoint/criu_log.hpp"
#include "util/file.hpp"

namespace berth::checkpoint {

void RecordCpuinfo(const std::string& criu_path, const std::string& image_dir) {
    if (PathExists(image_dir + "/" + kCpuinfoImage))
        return;
    const std::string what = "record this CPU's features in " + image_dir;
    UniqueFd image_fd = OpenOrThrow(image_dir, O_RDONLY | O_DIRECTORY);
    CriuProcess criu = CriuProcess::Start({criu_path, {}, {}});
    rpc::criu_req req = DirectoryRequest(rpc::CPUINFO_DUMP, image_fd.Get(), image_fd.Get());
    req.mutable_opts()->set_log_file("cpuinfo-dump.log");
    req.mutable_opts()->set_log_level(4);
    rpc::criu_resp resp = criu.Call(what, req);
    if (!resp.success())
        ThrowCriuFailure(what, resp, image_dir + "/cpuinfo-dump.log");
    criu.Finish();
    ::unlink((image_dir + "/cpuinfo-dump.log").c_str());
}

void RequireCompatibleCpu(const std::string& criu_path, const std::string& image_dir, const std::string& work_dir,
                          const std::string& what) {
    if (!PathExists(image_dir + "/" + kCpuinfoImage))
        throw CpuIncompatible("Failed to " + what + ": the checkpoint has no " + kCpuinfoImage +
                              " to check this CPU against");
    UniqueFd image_fd = OpenOrThrow(image_dir, O_RDONLY | O_DIRECTORY);
    UniqueFd work_fd = OpenOrThrow(work_dir, O_RDONLY | O_DIRECTORY);
    const std::string log_path = work_dir + "/cpuinfo-check.log";
    CriuProcess criu = CriuProcess::Start({criu_path, {}, {}});
    rpc::criu_req req = DirectoryRequest(rpc::CPUINFO_CHECK, image_fd.Get(), work_fd.Get());
    req.mutable_opts()->set_log_file("cpuinfo-check.log");
    req.mutable_opts()->set_log_level(4);
    rpc::criu_resp resp = criu.Call("check this CPU against the checkpoint's", req);
    criu.Finish();
    if (!resp.success()) {
        std::string cause = CriuLogCause(log_path);
        ::unlink(log_path.c_str());
        throw CpuIncompatible("Failed to " + what + ": this host's CPU cannot run the checkpoint's process (criu "
                              "cpuinfo check: " + (cause.empty() ? std::string("failed") : cause) +
                              "); restore it on a host with the same CPU features");
    }
    ::unlink(log_path.c_str());
}

}  // namespace berth::checkpoint
