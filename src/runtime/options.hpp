#pragma once
// runc's (urfave/cli) option syntax: "-name" or "--name", a value as the next argument or after
// "=", boolean flags also as "--name=true|false". Options end at the first positional or "--".
#include <optional>
#include <string>
#include <vector>

namespace berth::runtime {

class OptionParser {
public:
    explicit OptionParser(const std::vector<std::string>& args) : args_(args) {}

    // True while the next argument is an option (consumes a lone "--" and then returns false).
    bool AtOption();
    // The option's name without dashes and "=value" ("bundle" for "--bundle=/x").
    std::string Name() const;
    // Consumes a boolean flag; "--flag=false" yields false.
    bool TakeFlag();
    // Consumes an option with a value (after "=" or the next argument).
    std::string TakeValue();
    // Throws UsageError naming the current option.
    [[noreturn]] void RejectUnknown() const;
    // The positionals left after the options.
    std::vector<std::string> Rest() const;

private:
    const std::vector<std::string>& args_;
    size_t pos_ = 0;
    bool ended_ = false;
};

// The one ID positional of most verbs; throws UsageError when missing or followed by more.
std::string TakeSingleId(const std::vector<std::string>& rest);

// A whole decimal number from 0 to max, all of text; nullopt when text is not one.
std::optional<unsigned long> ParseUnsigned(const std::string& text, unsigned long max);

// --preserve-fds N (create, run, exec): a count of fds after 2; throws UsageError if not one.
unsigned ParsePreserveFds(const std::string& text);

}  // namespace berth::runtime
