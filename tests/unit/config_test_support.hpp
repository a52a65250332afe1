#pragma once
// Temporary search-path trees for the config tests; removed even when a test fails.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/loader.hpp"

namespace berth::config::testing {

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "berth-config-test.XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::string& Path() const { return path_; }

    // Writes DIR/relative (creating parent directories) and returns its full path.
    std::string Write(const std::string& relative, const std::string& content) const {
        std::filesystem::path full = std::filesystem::path(path_) / relative;
        std::filesystem::create_directories(full.parent_path());
        std::ofstream(full) << content;
        return full.string();
    }
    void MakeDir(const std::string& relative) const {
        std::filesystem::create_directories(std::filesystem::path(path_) / relative);
    }

    // Three directories like /etc, /run, /usr/lib, highest precedence first.
    SearchPath ThreeDirs() const { return {{path_ + "/etc", path_ + "/run", path_ + "/lib"}}; }

private:
    std::string path_;
};

// The ConfigError a call throws; fails the test (and returns an empty error) if it throws none.
template <typename Fn>
ConfigError CaptureConfigError(Fn&& fn) {
    try {
        fn();
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "expected a ConfigError, none was thrown";
    return ConfigError("", 0, 0, "", "");
}

}  // namespace berth::config::testing
