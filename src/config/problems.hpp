#pragma once
// Collects validation problems, each located at the TOML node it is about, so that one pass can
// report every mistake in a file (check-config) and loading can throw the first.
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/loader.hpp"

namespace berth::config {

class Problems {
public:
    // `fallback_file` names problems whose node carries no source (e.g. built in memory).
    explicit Problems(std::string fallback_file) : fallback_file_(std::move(fallback_file)) {}

    void Add(const toml::source_region& where, const std::string& key_path, const std::string& reason);
    void Add(const toml::node& node, const std::string& key_path, const std::string& reason) {
        Add(node.source(), key_path, reason);
    }

    bool Empty() const noexcept { return errors_.empty(); }
    const std::vector<ConfigError>& All() const noexcept { return errors_; }
    // Throws the first problem found, if any.
    void ThrowIfAny() const;

private:
    std::string fallback_file_;
    std::vector<ConfigError> errors_;
};

}  // namespace berth::config
