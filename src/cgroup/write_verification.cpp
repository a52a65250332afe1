// Checking that a cgroup file shows what was written, allowing for the kernel's normalisation.
#include <cstdlib>
#include <sstream>

#include "cgroup/resources.hpp"
#include "util/file.hpp"

namespace berth::cgroup {
namespace {

// v1 prints an unlimited memory limit as PAGE_COUNTER_MAX pages in bytes (e.g. 9223372036854771712).
constexpr uint64_t kV1UnlimitedThreshold = 0x7FFFFFFFFFFFF000ULL;

bool ParseNumber(const std::string& text, uint64_t& out) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        return false;
    out = std::strtoull(text.c_str(), nullptr, 10);
    return true;
}

bool IsUnlimitedText(const std::string& text) {
    uint64_t n = 0;
    return text == "max" || text == "-1" || (ParseNumber(text, n) && n >= kV1UnlimitedThreshold);
}

bool IsMemoryLimitFile(const std::string& file) {
    return file.rfind("memory.", 0) == 0 && file != "memory.stat";
}

std::vector<std::string> Words(const std::string& text) {
    std::vector<std::string> words;
    std::istringstream in(text);
    std::string w;
    while (in >> w)
        words.push_back(w);
    return words;
}

}  // namespace

bool WriteTookEffect(const FileWrite& write, const std::string& read_back, uint64_t page_size) {
    std::string got = TrimRight(read_back);
    if (write.controller == "cpuset" || write.controller == "devices")
        return true;
    if (IsMemoryLimitFile(write.file)) {
        if (IsUnlimitedText(write.value))
            return IsUnlimitedText(got);
        uint64_t wanted = 0, have = 0;
        if (!ParseNumber(write.value, wanted) || !ParseNumber(got, have))
            return false;
        return have == wanted / page_size * page_size || have == wanted;
    }
    if (write.file == "pids.max" || write.file == "cpu.cfs_quota_us") {
        if (IsUnlimitedText(write.value))
            return IsUnlimitedText(got);
        return got == write.value;
    }
    // Multi-word files (cpu.max "quota period", io.weight "default N" then per-device lines):
    // compare the first line word by word.
    return Words(got.substr(0, got.find('\n'))) == Words(write.value);
}

}  // namespace berth::cgroup
