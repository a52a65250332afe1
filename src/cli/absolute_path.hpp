#pragma once
// Paths given on berthctl's command line, made absolute against its working directory before they
// travel to berthd (whose working directory is /).
#include <string>

namespace berth::cli {

// path unchanged if absolute, else joined to the current directory (no symlinks resolved).
std::string AbsolutePathOf(const std::string& path);

}  // namespace berth::cli
