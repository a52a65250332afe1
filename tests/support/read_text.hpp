#pragma once
// A file's whole content for a test's expectations: "" when it cannot be read, so the failure
// shows what is missing instead of throwing.
#include <fstream>
#include <iterator>
#include <string>

namespace berth::testing {

inline std::string ReadText(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace berth::testing
