#include "checkpoint/criu_version.hpp"

#include "checkpoint/criu_client.hpp"

#include "util/error.hpp"

namespace berth::checkpoint {

std::string CriuVersion::ToString() const {
    std::string text = std::to_string(major) + "." + std::to_string(minor);
    if (sublevel != 0 || extra != 0)
        text += "." + std::to_string(sublevel);
    if (extra != 0)
        text += "." + std::to_string(extra);
    if (!gitid.empty())
        text += " (gitid " + gitid + ")";
    return text;
}

CriuVersion VersionFromResponse(const rpc::criu_resp& resp) {
    if (resp.type() != rpc::VERSION || !resp.success() || !resp.has_version())
        throw Error("Failed to query the CRIU version: criu swrk answered " + RequestTypeName(resp.type()) +
                    (resp.success() ? " without a version" : " with failure") +
                    (resp.has_cr_errmsg() ? ": " + resp.cr_errmsg() : ""));
    const rpc::criu_version& v = resp.version();
    CriuVersion version;
    version.major = v.major_number();
    version.minor = v.minor_number();
    version.sublevel = v.sublevel();
    version.extra = v.extra();
    version.gitid = v.gitid();
    return version;
}

CriuVersion QueryCriuVersion(CriuProcess& criu) {
    rpc::criu_req req;
    req.set_type(rpc::VERSION);
    req.set_keep_open(true);  // the same swrk then serves the DUMP or RESTORE
    return VersionFromResponse(criu.Call("query the CRIU version", req));
}

CriuVersion InstalledCriuVersion(const std::string& criu_path) {
    CriuProcess criu = CriuProcess::Start({criu_path, {}, {}});
    rpc::criu_req req;
    req.set_type(rpc::VERSION);
    // Not kept open: swrk then ends by itself, instead of logging "Can't recv request" at our close.
    CriuVersion version = VersionFromResponse(criu.Call("query the CRIU version", req));
    criu.Finish();
    return version;
}

bool QueryMemoryTracking(CriuProcess& criu) {
    rpc::criu_req req;
    req.set_type(rpc::FEATURE_CHECK);
    req.set_keep_open(true);
    req.mutable_features()->set_mem_track(true);
    rpc::criu_resp resp = criu.Call("check CRIU's memory tracking", req);
    // CRIU answers with the features asked for, each true or false; an old one fails the request.
    return resp.type() == rpc::FEATURE_CHECK && resp.success() && resp.features().mem_track();
}

void RequireMemoryTracking(CriuProcess& criu, const std::string& what) {
    if (!QueryMemoryTracking(criu))
        throw Error("Failed to " + what +
                    ": this kernel does not track dirty memory (`criu check --feature mem_dirty_track` fails: no "
                    "soft-dirty bits, CONFIG_MEM_SOFT_DIRTY), so there is no pre-copy; checkpoint without "
                    "--pre-dump and --parent-path");
}

bool UseExternalNetns(const CriuVersion& version) {
    return version.Number() >= kExternalNetnsMinimum.Number();
}

NetnsDecision DecideExternalNetns(const CriuVersion& version, const std::optional<std::string>& netns_path) {
    NetnsDecision decision;
    if (!netns_path)
        return decision;
    if (UseExternalNetns(version)) {
        decision.use_external = true;
        return decision;
    }
    decision.warning = "CRIU " + version.ToString() + " is older than " + kExternalNetnsMinimum.ToString() +
                       ": the network namespace " + *netns_path +
                       " is not checkpointed as external; restore recreates a new network namespace instead";
    return decision;
}

}  // namespace berth::checkpoint
