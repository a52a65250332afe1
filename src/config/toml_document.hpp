#pragma once
// Reading TOML text into a toml++ table whose nodes remember their file, line and column.
// Syntax errors become ConfigError.
#include <toml++/toml.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace berth::config {

// toml++ parses nested tables, arrays and dotted keys recursively: text nested deeper than this,
// or larger than this, is refused before it is parsed (50,000 levels overflow the stack).
constexpr int kMaxTomlNesting = 32;
constexpr size_t kMaxTomlBytes = 1 << 20;

// toml::parse behind the limits above; a text over them throws toml::parse_error like bad syntax,
// so every caller keeps its own error handling.
toml::table ParseBoundedToml(std::string_view text, std::string_view origin);

toml::table ParseTomlText(const std::string& text, const std::string& origin);
// Throws Error if the file can't be read, is not a regular file or is over kMaxTomlBytes,
// ConfigError if it is not valid TOML.
toml::table ParseTomlFile(const std::string& path);

}  // namespace berth::config
