#pragma once
// Resource limit names in Berth's spelling: lower case without "RLIMIT_" ("nofile").
#include <optional>
#include <string>
#include <string_view>

namespace berth::config {

// "RLIMIT_NOFILE", "NOFILE", "nofile" -> "nofile"; nullopt for a name the kernel does not have.
std::optional<std::string> CanonicalRlimitName(std::string_view written);

// The RLIMIT_* resource number of a canonical name, nullopt if unknown.
std::optional<int> RlimitResource(const std::string& name);

// RLIMIT_NOFILE -> "nofile" ("" for a number the table does not have).
std::string_view RlimitName(int resource);

// "as, core, cpu, ..." for error messages.
std::string KnownRlimitNames();

}  // namespace berth::config
