#include "config/cgroup_names.hpp"

#include <cctype>

namespace berth::config {

bool IsCpuList(std::string_view text) {
    size_t i = 0;
    auto number = [&](long& out) {
        size_t start = i;
        out = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && i - start < 6)
            out = out * 10 + (text[i++] - '0');
        return i > start && (i == text.size() || !std::isdigit(static_cast<unsigned char>(text[i])));
    };
    while (true) {
        long first = 0;
        if (!number(first))
            return false;
        if (i < text.size() && text[i] == '-') {
            ++i;
            long last = 0;
            if (!number(last) || last < first)
                return false;
        }
        if (i == text.size())
            return true;
        if (text[i++] != ',')
            return false;
    }
}

bool IsHugepageSize(std::string_view size) {
    size_t digits = size.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string_view::npos)
        return false;
    std::string_view unit = size.substr(digits);
    return unit == "KB" || unit == "MB" || unit == "GB";
}

bool IsUnifiedFileName(std::string_view name) {
    size_t dot = name.find('.');
    if (dot == 0 || dot == std::string_view::npos || dot + 1 == name.size())
        return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
            return false;
    return true;
}

}  // namespace berth::config
