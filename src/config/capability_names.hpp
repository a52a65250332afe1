#pragma once
// Capability names as libcap knows them, in Berth's spelling: lower case without "CAP_".
#include <optional>
#include <string>
#include <string_view>

namespace berth::config {

// "CAP_NET_ADMIN", "cap_net_admin", "net_admin" -> "net_admin"; nullopt if libcap does not know it.
std::optional<std::string> CanonicalCapabilityName(std::string_view written);

// The capability number of a canonical name ("net_admin" -> CAP_NET_ADMIN), nullopt if unknown.
std::optional<int> CapabilityNumber(const std::string& name);

}  // namespace berth::config
