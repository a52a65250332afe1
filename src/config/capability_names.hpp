#pragma once
// Capability names as libcap knows them, in Berth's spelling: lower case without "CAP_".
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.hpp"

namespace berth::config {

// "CAP_NET_ADMIN", "cap_net_admin", "net_admin" -> "net_admin"; nullopt if libcap does not know it.
std::optional<std::string> CanonicalCapabilityName(std::string_view written);

// The capability number of any of those spellings (-> CAP_NET_ADMIN), nullopt if unknown.
std::optional<int> CapabilityFromName(std::string_view written);

// CAP_NET_ADMIN -> "net_admin" (the number in decimal when libcap has no name for it).
std::string CapabilityName(int cap);

// The set's names, lowest number first.
std::vector<std::string> CapabilityNames(const CapabilitySet& set);

}  // namespace berth::config
