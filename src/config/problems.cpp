#include "config/problems.hpp"

namespace berth::config {

void Problems::Add(const toml::source_region& where, const std::string& key_path, const std::string& reason) {
    std::string file = where.path ? *where.path : fallback_file_;
    int line = where.begin.line > 0 ? static_cast<int>(where.begin.line) : 1;
    int column = where.begin.column > 0 ? static_cast<int>(where.begin.column) : 1;
    errors_.emplace_back(std::move(file), line, column, key_path, reason);
}

void Problems::ThrowIfAny() const {
    if (!errors_.empty())
        throw errors_.front();
}

}  // namespace berth::config
