#pragma once
// The files of a unit on the search path, kept apart: the main file may be missing (daemon config).
#include <optional>
#include <string>
#include <vector>

#include "config/loader.hpp"

namespace berth::config {

struct ResolvedFiles {
    std::optional<std::string> main;     // NAME.toml from the first directory holding one
    std::vector<std::string> drop_ins;   // NAME.toml.d/*.toml, lexical by file name
};

ResolvedFiles ResolveUnitFiles(const std::string& name, const SearchPath& path);

}  // namespace berth::config
