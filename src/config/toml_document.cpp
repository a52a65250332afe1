#include "config/toml_document.hpp"

#include <memory>
#include <optional>
#include <vector>

#include "config/loader.hpp"
#include "util/file.hpp"

namespace berth::config {
namespace {

// Counts nesting the way the parser will recurse, erring on the deep side: '[' and '{' open a
// level on top of the key before them, every '.' outside strings adds one (a dotted key; a float
// or time counts too), a table header's depth stays under the keys that follow it.
class NestingScan {
public:
    explicit NestingScan(std::string_view text) : text_(text) {}

    // The position of the first character past kMaxTomlNesting, if any.
    std::optional<toml::source_position> FirstTooDeep() {
        while (at_ < text_.size()) {
            char c = text_[at_];
            if (c == '#')
                SkipTo('\n');
            else if (c == '"' || c == '\'')
                SkipString(c);
            else if (!Step(c))
                return toml::source_position{line_, column_};
            else
                Advance();
        }
        return std::nullopt;
    }

private:
    bool Step(char c) {
        bool line_start = line_start_;
        line_start_ = c == '\n' || (line_start_ && (c == ' ' || c == '\t' || c == '\r'));
        if (c == '[' && line_start && open_.empty()) {
            in_header_ = true;
            header_ = 0;
            dots_ = 0;
        } else if (c == ']' && in_header_) {
            if (at_ + 1 < text_.size() && text_[at_ + 1] == ']')
                Advance();
            in_header_ = false;
            header_ = dots_ + 1;
            dots_ = 0;
        } else if (c == '[' || c == '{') {
            open_.push_back(dots_ + 1);
            inner_ += dots_ + 1;
            dots_ = 0;
        } else if ((c == ']' || c == '}') && !open_.empty()) {
            inner_ -= open_.back();
            open_.pop_back();
            dots_ = 0;
        } else if (c == '.') {
            ++dots_;
        } else if (c == ',' || c == '\n') {
            dots_ = 0;
        }
        return header_ + inner_ + dots_ + (in_header_ ? 1 : 0) <= kMaxTomlNesting;
    }

    void Advance() {
        if (text_[at_] == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
        ++at_;
    }

    void SkipTo(char end) {
        while (at_ < text_.size() && text_[at_] != end)
            Advance();
    }

    // A basic ("...", """...""") or literal ('...', '''...''') string; an unterminated one runs to
    // the end (the parser reports it).
    void SkipString(char quote) {
        bool multiline = text_.substr(at_, 3) == std::string(3, quote);
        size_t open = multiline ? 3 : 1;
        for (size_t i = 0; i < open; ++i)
            Advance();
        while (at_ < text_.size()) {
            char c = text_[at_];
            if (c == '\\' && quote == '"') {
                Advance();
                if (at_ < text_.size())
                    Advance();
                continue;
            }
            if (c == '\n' && !multiline)
                return;
            if (c == quote && (!multiline || text_.substr(at_, 3) == std::string(3, quote))) {
                for (size_t i = 0; i < open; ++i)
                    Advance();
                return;
            }
            Advance();
        }
    }

    std::string_view text_;
    size_t at_ = 0;
    toml::source_index line_ = 1, column_ = 1;
    bool line_start_ = true;
    bool in_header_ = false;
    int header_ = 0;          // depth of the last [table] header
    int inner_ = 0;           // levels opened by the brackets and braces still open
    std::vector<int> open_;   // what each of them added
    int dots_ = 0;            // dots in the key (or value) being read
};

}  // namespace

toml::table ParseBoundedToml(std::string_view text, std::string_view origin) {
    auto path = std::make_shared<const std::string>(origin);
    std::string reason;
    toml::source_position at{1, 1};
    if (text.size() > kMaxTomlBytes) {
        reason = "the text is larger than " + std::to_string(kMaxTomlBytes >> 10) + " KiB";
    } else if (std::optional<toml::source_position> deep = NestingScan(text).FirstTooDeep()) {
        reason = "tables, arrays and dotted keys are nested deeper than " + std::to_string(kMaxTomlNesting) + " levels";
        at = *deep;
    }
    if (!reason.empty())
        throw toml::parse_error(reason.c_str(), at, path);  // copies the text
    return toml::parse(text, origin);
}

toml::table ParseTomlText(const std::string& text, const std::string& origin) {
    try {
        return ParseBoundedToml(text, origin);
    } catch (const toml::parse_error& e) {
        const toml::source_position& at = e.source().begin;
        throw ConfigError(origin, static_cast<int>(at.line), static_cast<int>(at.column), "",
                          "invalid TOML: " + std::string(e.description()));
    }
}

toml::table ParseTomlFile(const std::string& path) {
    return ParseTomlText(ReadRegularFile(path, kMaxTomlBytes), path);
}

}  // namespace berth::config
