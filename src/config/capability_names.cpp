#include "config/capability_names.hpp"

#include <sys/capability.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace berth::config {
namespace {

std::optional<int> CapabilityNumber(const std::string& name) {
    // cap_from_name also takes numbers ("12"); a configuration names capabilities.
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) || c == '_'; }))
        return std::nullopt;
    cap_value_t value = 0;
    if (cap_from_name(("cap_" + name).c_str(), &value) != 0)
        return std::nullopt;
    return static_cast<int>(value);
}

}  // namespace

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

std::optional<int> CapabilityFromName(std::string_view written) {
    std::optional<std::string> name = CanonicalCapabilityName(written);
    return name ? CapabilityNumber(*name) : std::nullopt;
}

std::string CapabilityName(int cap) {
    std::unique_ptr<char, int (*)(void*)> raw(cap_to_name(static_cast<cap_value_t>(cap)), cap_free);
    std::string name = raw ? raw.get() : std::to_string(cap);
    if (name.rfind("cap_", 0) == 0)
        name.erase(0, 4);
    return name;
}

std::vector<std::string> CapabilityNames(const CapabilitySet& set) {
    std::vector<std::string> names;
    for (int cap : set.Numbers())
        names.push_back(CapabilityName(cap));
    return names;
}

}  // namespace berth::config
