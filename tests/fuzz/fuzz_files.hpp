#pragma once
// Shared by the TOML fuzz targets: one fuzz input is several files, separated by lines that are
// exactly kFileSeparator (the seeds in corpus/ show it); they are written to a private temp dir so
// the loaders read them from disk, through the same code as berthctl and berthd.
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace berth::fuzz {

inline constexpr std::string_view kFileSeparator = "#%%\n";
inline constexpr size_t kMaxFiles = 6;

// Splits data at each separator line: at most kMaxFiles parts (the last one keeps the rest).
inline std::vector<std::string> SplitFiles(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> parts;
    size_t start = 0;
    while (parts.size() + 1 < kMaxFiles) {
        size_t at = text.find(kFileSeparator, start);
        if (at == std::string_view::npos)
            break;
        parts.emplace_back(text.substr(start, at - start));
        start = at + kFileSeparator.size();
    }
    parts.emplace_back(text.substr(start));
    return parts;
}

// A temp dir (in /dev/shm when there is one: no disk writes per execution), removed at exit.
inline const std::string& ScratchDir() {
    static const std::string dir = [] {
        std::string tmpl = (std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp");
        tmpl += "/berth-fuzz-XXXXXX";
        if (!::mkdtemp(tmpl.data())) {
            std::perror("mkdtemp");
            std::abort();
        }
        static std::string removed_at_exit = tmpl;
        std::atexit([] { std::filesystem::remove_all(removed_at_exit); });
        return tmpl;
    }();
    return dir;
}

inline void WriteFile(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::abort();
    }
}

// Writes parts as NAME.toml and NAME.toml.d/NN.toml (a search path dir, as the loaders expect),
// replacing the previous input's files. Returns the dir.
inline std::string WriteUnitFiles(const std::string& name, const std::vector<std::string>& parts) {
    namespace fs = std::filesystem;
    std::string dir = ScratchDir() + "/path";
    fs::remove_all(dir);
    fs::create_directories(dir + "/" + name + ".toml.d");
    WriteFile(dir + "/" + name + ".toml", parts.at(0));
    for (size_t i = 1; i < parts.size(); ++i)
        WriteFile(dir + "/" + name + ".toml.d/" + std::to_string(10 + i) + ".toml", parts[i]);
    return dir;
}

}  // namespace berth::fuzz
