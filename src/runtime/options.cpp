#include "runtime/options.hpp"

#include <stdexcept>
#include <string>

#include "runtime/verb.hpp"

namespace berth::runtime {
namespace {

std::string Stripped(const std::string& arg) {
    size_t start = arg.rfind("--", 0) == 0 ? 2 : 1;
    return arg.substr(start);
}

}  // namespace

bool OptionParser::AtOption() {
    if (ended_ || pos_ >= args_.size())
        return false;
    const std::string& arg = args_[pos_];
    if (arg == "--") {
        ++pos_;
        ended_ = true;
        return false;
    }
    return arg.size() > 1 && arg[0] == '-';
}

std::string OptionParser::Name() const {
    std::string name = Stripped(args_[pos_]);
    return name.substr(0, name.find('='));
}

bool OptionParser::TakeFlag() {
    std::string name = Stripped(args_[pos_++]);
    size_t eq = name.find('=');
    if (eq == std::string::npos)
        return true;
    std::string value = name.substr(eq + 1);
    if (value == "true" || value == "1")
        return true;
    if (value == "false" || value == "0")
        return false;
    throw UsageError{"invalid boolean value '" + value + "' for -" + name.substr(0, eq)};
}

std::string OptionParser::TakeValue() {
    std::string name = Stripped(args_[pos_++]);
    size_t eq = name.find('=');
    if (eq != std::string::npos)
        return name.substr(eq + 1);
    if (pos_ >= args_.size())
        throw UsageError{"flag needs an argument: -" + name};
    return args_[pos_++];
}

void OptionParser::RejectUnknown() const { throw UsageError{"flag provided but not defined: " + args_[pos_]}; }

std::vector<std::string> OptionParser::Rest() const {
    return std::vector<std::string>(args_.begin() + static_cast<long>(pos_), args_.end());
}

std::string TakeSingleId(const std::vector<std::string>& rest) {
    if (rest.empty())
        throw UsageError{"container id cannot be empty"};
    if (rest.size() > 1)
        throw UsageError{"unexpected argument '" + rest[1] + "'"};
    return rest[0];
}

std::optional<unsigned long> ParseUnsigned(const std::string& text, unsigned long max) {
    size_t used = 0;
    unsigned long value = 0;
    try {
        value = std::stoul(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (used != text.size() || text[0] == '-' || value > max)
        return std::nullopt;
    return value;
}

unsigned ParsePreserveFds(const std::string& text) {
    constexpr unsigned long kMax = 1 << 20;  // above any fd limit
    std::optional<unsigned long> value = ParseUnsigned(text, kMax);
    if (!value)
        throw UsageError{"--preserve-fds must be a count of fds, not '" + text + "'"};
    return static_cast<unsigned>(*value);
}

}  // namespace berth::runtime
