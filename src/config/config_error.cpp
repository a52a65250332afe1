#include "config/loader.hpp"

#include <cstdio>

namespace berth::config {
namespace {

// Control characters (an ESC sequence in a value, a newline in a key) never reach a terminal as is.
std::string Escaped(const std::string& text) {
    std::string out;
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}

std::string Describe(const std::string& file, int line, int column, const std::string& key_path,
                     const std::string& reason) {
    // Line 0: a configuration built in memory (command-line flags, D-Bus overrides) has no lines.
    std::string out = Escaped(file);
    if (line > 0)
        out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += ": ";
    if (!key_path.empty())
        out += Escaped(key_path) + ": ";
    return out + Escaped(reason);
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, std::string key_path, std::string reason)
    : Error(Describe(file, line, column, key_path, reason)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_path_(std::move(key_path)),
      reason_(std::move(reason)) {}

}  // namespace berth::config
