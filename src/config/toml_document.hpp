#pragma once
// Reading TOML text into a toml++ table whose nodes remember their file, line and column.
// Syntax errors become ConfigError.
#include <toml++/toml.h>

#include <string>

namespace berth::config {

toml::table ParseTomlText(const std::string& text, const std::string& origin);
// Throws Error if the file can't be read, ConfigError if it is not valid TOML.
toml::table ParseTomlFile(const std::string& path);

}  // namespace berth::config
