#include "config/capability_names.hpp"

#include <sys/capability.h>

#include <algorithm>
#include <cctype>

namespace berth::config {

std::optional<int> CapabilityNumber(const std::string& name) {
    // cap_from_name also takes numbers ("12"); a configuration names capabilities.
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) || c == '_'; }))
        return std::nullopt;
    cap_value_t value = 0;
    if (cap_from_name(("cap_" + name).c_str(), &value) != 0)
        return std::nullopt;
    return static_cast<int>(value);
}

std::optional<std::string> CanonicalCapabilityName(std::string_view written) {
    std::string name;
    for (char c : written)
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name.rfind("cap_", 0) == 0)
        name.erase(0, 4);
    if (!CapabilityNumber(name))
        return std::nullopt;
    return name;
}

}  // namespace berth::config
