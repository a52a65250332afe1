#include "launch/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.hpp"
#include "util/fd.hpp"

namespace berth::launch {
namespace {

std::string SysctlFile(const std::string& key) {
    std::string path = "/proc/sys/";
    for (char c : key)
        path += c == '.' ? '/' : c;
    if (key.empty() || (path + "/").find("/../") != std::string::npos)
        throw Error("Failed to write sysctl '" + key + "': not a key below /proc/sys", EINVAL);
    return path;
}

}  // namespace

void WriteSysctls(const std::map<std::string, std::string>& sysctls) {
    for (const auto& [key, value] : sysctls) {
        const std::string file = SysctlFile(key);
        UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!fd)
            ThrowErrno("write sysctl " + key + "=" + value + " to " + file);
        ssize_t n = ::write(fd.Get(), value.data(), value.size());
        if (n < 0 || static_cast<size_t>(n) != value.size())
            ThrowErrno(n < 0 ? errno : EIO, "write sysctl " + key + "=" + value + " to " + file);
    }
}

}  // namespace berth::launch
