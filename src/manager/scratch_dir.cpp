#include "manager/scratch_dir.hpp"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

#include "util/error.hpp"

namespace berth::manager {

ScratchDir::ScratchDir(const std::string& parent, const std::string& tag) {
    std::string pattern = parent + "/.berth-" + tag + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        ThrowErrno("Failed to create a scratch directory in " + parent);
    path_ = pattern;
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    if (!kept_)
        std::filesystem::remove_all(path_, ignored);
}

}  // namespace berth::manager
