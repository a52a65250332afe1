#include "checkpoint/criu_log.hpp"

#include <cstring>
#include <deque>
#include <sstream>

#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::checkpoint {

std::string CriuLogExcerpt(const std::string& log_path, size_t max_lines) {
    std::optional<std::string> text;
    try {
        text = ReadFileIfExists(log_path);
    } catch (const Error&) {
        return "";
    }
    if (!text)
        return "";
    std::deque<std::string> errors, tail;
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) {
        if (line.find("Error (") != std::string::npos || line.find("Error:") != std::string::npos) {
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
    if (resp.has_cr_errmsg() && !resp.cr_errmsg().empty())
        message += ": " + TrimRight(resp.cr_errmsg());
    if (resp.has_cr_errno() && resp.cr_errno() != 0)
        message += " (errno " + std::to_string(resp.cr_errno()) + ": " + std::strerror(resp.cr_errno()) + ")";
    message += "; log " + log_path;
    std::string excerpt = CriuLogExcerpt(log_path);
    message += excerpt.empty() ? " (unreadable)" : ":" + excerpt;
    throw Error(message);
}

}  // namespace berth::checkpoint
