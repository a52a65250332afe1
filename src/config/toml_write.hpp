#pragma once
// Writing TOML values, for the formatter and the key tables: what these write reads back equal.
#include <string>
#include <vector>

namespace berth::config {

// A basic string with TOML's escapes (control characters as \uXXXX).
std::string Quote(const std::string& text);
const char* Bool(bool value);
// ["a", "b"] on one line.
std::string StringArray(const std::vector<std::string>& items);
// Long lists one item a line, for diff-friendly output.
std::string StringList(const std::vector<std::string>& items);

}  // namespace berth::config
