#include "cli/arg_cursor.hpp"

#include "cli/verb.hpp"
#include "cli/verb_help.hpp"

namespace berth::cli {

bool ArgCursor::AtOption() const {
    const std::string& arg = args_[pos_];
    return arg.size() > 1 && arg[0] == '-' && arg != "--";
}

bool ArgCursor::TakeDashDash() {
    if (Done() || args_[pos_] != "--")
        return false;
    ++pos_;
    return true;
}

bool ArgCursor::TakeFlag(const std::string& name) {
    if (Done() || args_[pos_] != name)
        return false;
    ++pos_;
    return true;
}

std::optional<std::string> ArgCursor::TakeValue(const std::string& name) {
    if (Done())
        return std::nullopt;
    const std::string& arg = args_[pos_];
    if (arg == name) {
        if (pos_ + 1 >= args_.size())
            throw UsageError{name + " needs a value"};
        pos_ += 2;
        return args_[pos_ - 1];
    }
    if (arg.rfind(name + "=", 0) == 0) {
        ++pos_;
        return arg.substr(name.size() + 1);
    }
    return std::nullopt;
}

std::vector<std::string> ArgCursor::TakeRest() {
    std::vector<std::string> rest(args_.begin() + static_cast<long>(pos_), args_.end());
    pos_ = args_.size();
    return rest;
}

void ArgCursor::RejectUnknown() const {
    if (args_[pos_] == "--help" || args_[pos_] == "-h")
        throw HelpRequested{};
    throw UsageError{"unknown option " + args_[pos_]};
}

void ArgCursor::TakeName(std::optional<std::string>& name) {
    if (AtOption())
        RejectUnknown();
    if (name)
        throw UsageError{"unexpected argument " + args_[pos_]};
    name = TakePositional();
}

JsonAndName TakeJsonAndName(const std::vector<std::string>& args) {
    JsonAndName parsed;
    std::optional<std::string> name;
    ArgCursor cursor(args);
    while (!cursor.Done()) {
        if (cursor.TakeFlag("--json"))
            parsed.json = true;
        else
            cursor.TakeName(name);
    }
    if (!name)
        throw UsageError{"missing container name"};
    parsed.name = *name;
    return parsed;
}

}  // namespace berth::cli
