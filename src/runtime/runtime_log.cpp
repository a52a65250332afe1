#include "runtime/runtime_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/time_format.hpp"

namespace berth::runtime {
namespace {

struct RuntimeLog {
    UniqueFd fd;
    std::string format = "text";
};

RuntimeLog& TheLog() {
    static RuntimeLog log;
    return log;
}

// logrus quotes a value with Go's %q: backslash escapes for quotes, backslashes and control bytes.
std::string Quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

void OpenRuntimeLog(const std::string& path, const std::string& format) {
    if (format != "text" && format != "json")
        throw Error("Unknown --log-format '" + format + "' (expected text or json)", EINVAL);
    TheLog().format = format;
    if (path.empty())
        return;
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        throw Error("Failed to open log file " + path, errno);
    TheLog().fd = UniqueFd(fd);
}

std::string FormatRuntimeLogLine(const std::string& format, const std::string& level, const std::string& message,
                                 const std::string& time) {
    if (format == "json")
        return nlohmann::json{{"level", level}, {"msg", message}, {"time", time}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
    return "time=" + Quoted(time) + " level=" + level + " msg=" + Quoted(message);
}

void WriteRuntimeLog(const std::string& level, const std::string& message) {
    RuntimeLog& log = TheLog();
    if (!log.fd)
        return;
    std::string line = FormatRuntimeLogLine(log.format, level, message, FormatRfc3339(std::chrono::system_clock::now()));
    line += '\n';
    // One write per line (O_APPEND): lines of concurrent runtimes do not interleave.
    ssize_t written = ::write(log.fd.Get(), line.data(), line.size());
    (void)written;
}

}  // namespace berth::runtime
