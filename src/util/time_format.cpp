#include "util/time_format.hpp"

#include <cstdio>
#include <ctime>

#include "util/error.hpp"

namespace berth {

std::string FormatRfc3339(std::chrono::system_clock::time_point when) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
    time_t seconds = static_cast<time_t>(ns / 1000000000);
    long fraction = static_cast<long>(ns % 1000000000);
    if (fraction < 0) {
        fraction += 1000000000;
        --seconds;
    }
    struct tm utc;
    ::gmtime_r(&seconds, &utc);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, fraction);
    return buf;
}

std::chrono::system_clock::time_point ParseRfc3339(const std::string& text) {
    struct tm utc = {};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &utc.tm_year, &utc.tm_mon, &utc.tm_mday,
                    &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &consumed) != 6)
        throw Error("invalid RFC 3339 timestamp '" + text + "'");
    utc.tm_year -= 1900;
    utc.tm_mon -= 1;
    size_t pos = static_cast<size_t>(consumed);
    long long nanos = 0;
    if (pos < text.size() && text[pos] == '.') {
        long long scale = 100000000;
        for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, scale /= 10)
            nanos += (text[pos] - '0') * scale;
    }
    long offset_seconds = 0;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int hours = 0, minutes = 0;
        if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &hours, &minutes) != 2 || text.size() != pos + 6)
            throw Error("invalid RFC 3339 timestamp '" + text + "'");
        offset_seconds = (text[pos] == '+' ? 1 : -1) * (hours * 3600L + minutes * 60L);
    } else if (pos + 1 != text.size() || (text[pos] != 'Z' && text[pos] != 'z')) {
        throw Error("invalid RFC 3339 timestamp '" + text + "'");
    }
    time_t seconds = ::timegm(&utc) - offset_seconds;
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(seconds) +
                                                                        std::chrono::nanoseconds(nanos)));
}

}  // namespace berth
