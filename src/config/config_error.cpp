#include "config/loader.hpp"

namespace berth::config {
namespace {

std::string Describe(const std::string& file, int line, int column, const std::string& key_path,
                     const std::string& reason) {
    std::string out = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
    if (!key_path.empty())
        out += key_path + ": ";
    return out + reason;
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
