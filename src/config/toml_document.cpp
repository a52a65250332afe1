#include "config/toml_document.hpp"

#include "config/loader.hpp"
#include "util/file.hpp"

namespace berth::config {

toml::table ParseTomlText(const std::string& text, const std::string& origin) {
    try {
        return toml::parse(text, std::string(origin));
    } catch (const toml::parse_error& e) {
        const toml::source_position& at = e.source().begin;
        throw ConfigError(origin, static_cast<int>(at.line), static_cast<int>(at.column), "",
                          "invalid TOML: " + std::string(e.description()));
    }
}

toml::table ParseTomlFile(const std::string& path) { return ParseTomlText(ReadFile(path), path); }

}  // namespace berth::config
