#include "util/proc_stat.hpp"

#include <cstdlib>
#include <string>

#include "util/error.hpp"
#include "util/file.hpp"

namespace berth {
namespace {

// The fields after "PID (COMM) ": comm may hold spaces and parentheses, so split at the last ')'.
std::optional<std::string> FieldsAfterComm(pid_t pid) {
    std::optional<std::string> stat;
    try {
        stat = ReadFileIfExists("/proc/" + std::to_string(pid) + "/stat");
    } catch (const Error&) {
        return std::nullopt;  // ESRCH while the process goes away
    }
    if (!stat)
        return std::nullopt;
    size_t close = stat->rfind(')');
    if (close == std::string::npos || close + 2 > stat->size())
        return std::nullopt;
    return stat->substr(close + 2);
}

}  // namespace

std::optional<unsigned long long> ProcessStartTime(pid_t pid) {
    std::optional<std::string> fields = FieldsAfterComm(pid);
    if (!fields)
        return std::nullopt;
    // fields[0] is field 3 (state); starttime is field 22, i.e. 19 more fields on.
    size_t pos = 0;
    for (int skip = 0; skip < 19; ++skip) {
        pos = fields->find(' ', pos);
        if (pos == std::string::npos)
            return std::nullopt;
        ++pos;
    }
    return std::strtoull(fields->c_str() + pos, nullptr, 10);
}

std::optional<char> ProcessStateChar(pid_t pid) {
    std::optional<std::string> fields = FieldsAfterComm(pid);
    if (!fields || fields->empty())
        return std::nullopt;
    return (*fields)[0];
}

}  // namespace berth
