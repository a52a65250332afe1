#pragma once
// Which CRIU we talk to, and what that allows: external network namespaces need CRIU >= 3.11.
#include <optional>
#include <string>

// Declared only: the generated protobuf header stays out of the checkpoint layer's public headers.
namespace berth::criurpc {
class criu_resp;
}

namespace berth::checkpoint {

class CriuProcess;

struct CriuVersion {
    int major = 0;
    int minor = 0;
    int sublevel = 0;
    int extra = 0;
    std::string gitid;

    // major * 10000 + minor * 100 + sublevel: 3.11 is 31100 (the scale runc compares with too).
    int Number() const noexcept { return major * 10000 + minor * 100 + sublevel; }
    // "4.2", "3.10.1", "4.2 (gitid v4.2-12-g...)".
    std::string ToString() const;
    friend bool operator==(const CriuVersion&, const CriuVersion&) = default;
};

// The first CRIU that can checkpoint/restore a network namespace as external ("net[INODE]:KEY").
// const, not constexpr: clang 14 (the fuzz build) rejects a constexpr std::string member with libstdc++ 12.
inline const CriuVersion kExternalNetnsMinimum{3, 11, 0, 0, {}};

// The version in a VERSION response; throws Error when CRIU did not send one.
CriuVersion VersionFromResponse(const criurpc::criu_resp& resp);

// Asks a running swrk for its version (the request that comes first in every session).
CriuVersion QueryCriuVersion(CriuProcess& criu);

// Starts `criu_path swrk` just to ask its version (an import's check before anything starts).
CriuVersion InstalledCriuVersion(const std::string& criu_path);

// Whether CRIU and the kernel track dirty memory (soft-dirty bits, `criu check --feature
// mem_dirty_track`): pre-dumps and dumps on top of one need it.
bool QueryMemoryTracking(CriuProcess& criu);

// Throws Error for `what` (e.g. "pre-dump container web") when QueryMemoryTracking says no.
void RequireMemoryTracking(CriuProcess& criu, const std::string& what);

// Whether a container that joined its netns by path gets it as an external namespace.
// With an older CRIU, the namespace is recreated from the images instead and `warning` says so.
struct NetnsDecision {
    bool use_external = false;
    std::optional<std::string> warning;
};
NetnsDecision DecideExternalNetns(const CriuVersion& version, const std::optional<std::string>& netns_path);

// The pure comparison behind DecideExternalNetns.
bool UseExternalNetns(const CriuVersion& version);

}  // namespace berth::checkpoint
