#include "cli/absolute_path.hpp"

#include <filesystem>

namespace berth::cli {

std::string AbsolutePathOf(const std::string& path) {
    if (path.empty() || path.front() == '/')
        return path;
    return (std::filesystem::current_path() / path).lexically_normal().string();
}

}  // namespace berth::cli
