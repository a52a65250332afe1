#include "checkpoint/criu_log.hpp"

#include <cstring>
#include <deque>
#include <optional>
#include <sstream>

#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::checkpoint {

namespace {

bool IsErrorLine(const std::string& line) {
    return line.find("Error (") != std::string::npos || line.find("Error:") != std::string::npos;
}

// Errors CRIU logs on every run on hosts like this one, or that only summarize: never the cause.
bool IsByproduct(const std::string& line) {
    static const char* const kByproducts[] = {
        "Can't setup RLIMIT_NOFILE for self",  // no CAP_SYS_RESOURCE: CRIU keeps the current limit
        "tun: Unable to create tun",           // no tun device: only matters for tun interfaces
        "Restoring FAILED.",  "Dumping FAILED.",
        "address already assigned", "Address already assigned",  // ip(8) output while restoring lo
    };
    for (const char* byproduct : kByproducts)
        if (line.find(byproduct) != std::string::npos)
            return true;
    return false;
}

// "(00.644993)      1: Error (criu/mount-v2.c:319): mnt-v2: Failed..." -> "mnt-v2: Failed...".
std::string ErrorText(const std::string& line) {
    size_t at = line.find("Error (");
    if (at != std::string::npos) {
        size_t end = line.find("): ", at);
        return end == std::string::npos ? line.substr(at) : line.substr(end + 3);
    }
    at = line.find("Error:");
    return at == std::string::npos ? line : line.substr(at);
}

// The log's text; nothing when it is missing or unreadable (the caller's error stands without it).
std::optional<std::string> ReadLogIfReadable(const std::string& log_path) {
    try {
        return ReadFileIfExists(log_path);
    } catch (const Error&) {
        return std::nullopt;
    }
}

}  // namespace

std::string CriuLogCause(const std::string& log_path) {
    std::optional<std::string> text = ReadLogIfReadable(log_path);
    if (!text)
        return "";
    std::string cause;
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);)
        if (IsErrorLine(line) && !IsByproduct(line))
            cause = ErrorText(line);
    return TrimRight(cause);
}

std::string CriuLogExcerpt(const std::string& log_path, size_t max_lines) {
    std::optional<std::string> text = ReadLogIfReadable(log_path);
    if (!text)
        return "";
    std::deque<std::string> errors, tail;
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) {
        if (IsErrorLine(line)) {
            errors.push_back(line);
            if (errors.size() > max_lines)
                errors.pop_front();
        }
        tail.push_back(line);
        if (tail.size() > max_lines)
            tail.pop_front();
    }
    const std::deque<std::string>& chosen = errors.empty() ? tail : errors;
    std::string excerpt;
    for (const std::string& line : chosen)
        excerpt += "\n  " + line;
    return excerpt;
}

void ThrowCriuFailure(const std::string& what, const rpc::criu_resp& resp, const std::string& log_path) {
    std::string message = "Failed to " + what + ": CRIU " + RequestTypeName(resp.type()) + " failed";
    // cr_errmsg is CRIU's FIRST error, often a harmless one: the log's last real error goes first.
    std::string cause = CriuLogCause(log_path);
    if (cause.empty() && resp.has_cr_errmsg())
        cause = TrimRight(resp.cr_errmsg());
    if (!cause.empty())
        message += ": " + cause;
    if (resp.has_cr_errno() && resp.cr_errno() != 0)
        message += " (errno " + std::to_string(resp.cr_errno()) + ": " + std::strerror(resp.cr_errno()) + ")";
    message += "; log " + log_path;
    std::string excerpt = CriuLogExcerpt(log_path);
    message += excerpt.empty() ? " (unreadable)" : ":" + excerpt;
    throw Error(message);
}

}  // namespace berth::checkpoint
