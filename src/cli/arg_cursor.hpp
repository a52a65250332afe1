#pragma once
// Walking a verb's arguments: flags, "--opt VALUE"/"--opt=VALUE", positionals, "--" and the rest.
#include <optional>
#include <string>
#include <vector>

namespace berth::cli {

class ArgCursor {
public:
    explicit ArgCursor(const std::vector<std::string>& args) : args_(args) {}

    bool Done() const { return pos_ >= args_.size(); }
    const std::string& Peek() const { return args_[pos_]; }
    // The current argument starts with '-' (and is not "-" or "--").
    bool AtOption() const;
    // Consumes "--" if it is next.
    bool TakeDashDash();
    // Consumes the flag if it is next.
    bool TakeFlag(const std::string& name);
    // Consumes "--name VALUE" or "--name=VALUE" if next; throws UsageError when the value is missing.
    std::optional<std::string> TakeValue(const std::string& name);
    std::string TakePositional() { return args_[pos_++]; }
    // Everything from here on (a container command and its arguments).
    std::vector<std::string> TakeRest();
    // Throws UsageError for the current argument: an option no branch took (HelpRequested for
    // --help, -h).
    [[noreturn]] void RejectUnknown() const;
    // For a verb taking one NAME, the argument no option branch took: it becomes `name`; an unknown
    // option or a second positional is a UsageError.
    void TakeName(std::optional<std::string>& name);

private:
    const std::vector<std::string>& args_;
    size_t pos_ = 0;
};

// For a verb `VERB [--json] NAME`: whether --json was given, and NAME (UsageError when missing).
struct JsonAndName {
    bool json = false;
    std::string name;
};
JsonAndName TakeJsonAndName(const std::vector<std::string>& args);

}  // namespace berth::cli
