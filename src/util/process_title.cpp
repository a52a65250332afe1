#include "util/process_title.hpp"

#include <algorithm>
#include <cstring>

namespace berth {

namespace {

char* area_begin = nullptr;
size_t area_size = 0;

}  // namespace

void RememberArgvArea(int argc, char** argv) {
    if (argc <= 0 || !argv[0])
        return;
    char* end = argv[0];
    for (int i = 0; i < argc; ++i) {
        if (argv[i] != end)
            return;  // not one contiguous block: leave it alone
        end = argv[i] + std::strlen(argv[i]) + 1;
    }
    area_begin = argv[0];
    area_size = static_cast<size_t>(end - argv[0]);
}

void SetProcessTitle(const std::vector<std::string>& args) {
    if (!area_begin)
        return;
    std::string title;
    for (const auto& arg : args)
        title.append(arg).push_back('\0');
    size_t n = std::min(title.size(), area_size - 1);
    std::memcpy(area_begin, title.data(), n);
    std::memset(area_begin + n, 0, area_size - n);
}

}  // namespace berth
