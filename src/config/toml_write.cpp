#include "config/toml_write.hpp"

#include <cstdio>

namespace berth::config {

std::string Quote(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (u < 0x20 || u == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", u);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

const char* Bool(bool value) { return value ? "true" : "false"; }

std::string StringArray(const std::vector<std::string>& items) {
    if (items.empty())
        return "[]";
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "" : ", ") + Quote(items[i]);
    return out + "]";
}

std::string StringList(const std::vector<std::string>& items) {
    if (items.size() <= 3)
        return StringArray(items);
    std::string out = "[\n";
    for (const std::string& item : items)
        out += "    " + Quote(item) + ",\n";
    return out + "]";
}

}  // namespace berth::config
