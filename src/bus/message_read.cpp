#include "bus/message_read.hpp"

#include <cerrno>
#include <cstring>

namespace berth::bus {

int ReadStrings(sd_bus_message* m, std::vector<std::string>& out) {
    char** strv = nullptr;
    int r = sd_bus_message_read_strv(m, &strv);
    if (r < 0)
        return r;
    for (char** s = strv; s && *s; ++s) {
        out.emplace_back(*s);
        free(*s);
    }
    free(strv);
    return 0;
}

namespace {

int ReadVariantValue(sd_bus_message* m, const char* contents, OptionValue& value, sd_bus_error* error) {
    int r = 0;
    if (strcmp(contents, "b") == 0) {
        int b = 0;
        r = sd_bus_message_read(m, "b", &b);
        value = b != 0;
    } else if (strcmp(contents, "i") == 0) {
        int32_t i = 0;
        r = sd_bus_message_read(m, "i", &i);
        value = static_cast<int64_t>(i);
    } else if (strcmp(contents, "x") == 0) {
        int64_t x = 0;
        r = sd_bus_message_read(m, "x", &x);
        value = x;
    } else if (strcmp(contents, "u") == 0) {
        uint32_t u = 0;
        r = sd_bus_message_read(m, "u", &u);
        value = static_cast<uint64_t>(u);
    } else if (strcmp(contents, "t") == 0) {
        uint64_t t = 0;
        r = sd_bus_message_read(m, "t", &t);
        value = t;
    } else if (strcmp(contents, "s") == 0) {
        const char* s = nullptr;
        r = sd_bus_message_read(m, "s", &s);
        value = std::string(s ? s : "");
    } else if (strcmp(contents, "as") == 0) {
        std::vector<std::string> strings;
        r = ReadStrings(m, strings);
        value = std::move(strings);
    } else {
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unsupported option value type '%s'", contents);
    }
    return r;
}

}  // namespace

int ReadOptions(sd_bus_message* m, Options& out, sd_bus_error* error) {
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r < 0)
        return r;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char* key = nullptr;
        r = sd_bus_message_read(m, "s", &key);
        if (r < 0)
            return r;
        const char* contents = nullptr;
        r = sd_bus_message_peek_type(m, nullptr, &contents);
        if (r < 0)
            return r;
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
            return r;
        OptionValue value;
        r = ReadVariantValue(m, contents, value, error);
        if (r < 0)
            return r;
        out[key] = std::move(value);
        r = sd_bus_message_exit_container(m);
        if (r < 0)
            return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
            return r;
    }
    if (r < 0)
        return r;
    return sd_bus_message_exit_container(m);
}

}  // namespace berth::bus
