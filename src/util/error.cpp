#include "util/error.hpp"

#include <cstring>

namespace berth {
namespace {

std::string Compose(const std::string& context, int err) {
    if (err == 0)
        return context;
    return context + ": " + std::strerror(err);
}

}  // namespace

Error::Error(std::string message, int err)
    : std::runtime_error(Compose(message, err)), context_(std::move(message)), errno_(err) {}

void ThrowErrno(const std::string& context) { throw Error(context, errno); }

void ThrowErrno(int err, const std::string& context) { throw Error(context, err); }

}  // namespace berth
