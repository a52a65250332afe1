#pragma once
// Errors that carry errno and a sentence of context, built where they happen.
#include <cerrno>
#include <stdexcept>
#include <string>

namespace berth {

// An error with optional errno. what() reads "<context>: <strerror(err)>".
class Error : public std::runtime_error {
public:
    explicit Error(std::string message, int err = 0);
    int Errno() const noexcept { return errno_; }
    // The context without the errno text, for callers that rephrase.
    const std::string& Context() const noexcept { return context_; }

private:
    std::string context_;
    int errno_;
};

// Throws Error(context, errno) using the current errno.
[[noreturn]] void ThrowErrno(const std::string& context);
// Throws Error(context, err) with an explicit errno (for APIs returning -errno).
[[noreturn]] void ThrowErrno(int err, const std::string& context);

// For C APIs returning negative errno codes (sd-bus, libseccomp): throws on r < 0.
inline int CheckNegErrno(int r, const std::string& context) {
    if (r < 0)
        ThrowErrno(-r, context);
    return r;
}

}  // namespace berth
