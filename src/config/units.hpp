#pragma once
// The values a person writes in TOML: sizes ("512M"), CPU quotas ("150%"), durations ("30s").
// Parsed once, at load; formatted back the same way for show-config and stored state.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/model.hpp"

namespace berth::config {

// Thrown by the Parse* functions; what() says what is wrong with the text.
class UnitError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// "1024" (bytes), "512K", "512M", "2G", "1T", "1P", "1E", also "1.5G" and "512MiB"; binary multiples.
ByteSize ParseByteSize(std::string_view text);
// The smallest memory_max / memory_high accepted: below it a container's init (which shares the
// launcher's memory until it execs) could meet the OOM killer before it runs anything.
constexpr uint64_t kMinMemoryLimit = 8 << 20;
// Why `size` is no valid memory_max / memory_high (below kMinMemoryLimit), or nothing.
std::optional<std::string> MemoryLimitProblem(ByteSize size);
// "150%": 150 means 1.5 CPUs; a whole number of percent, at least 1; "10%/500ms" with the period
// it is measured over (1ms..1s; the kernel's default is 100ms).
CpuQuota ParseCpuQuota(std::string_view text);
// "30s", "500ms", "2min", "1h", "1d", "250us", "1.5s", "1min 30s"; a unit is always required.
Duration ParseDuration(std::string_view text);

// The shortest exact spelling ("512M", "3000" when no suffix divides); ParseByteSize reads it back.
std::string FormatByteSize(ByteSize size);
// "150%", "10%/500ms"; "max" for no quota (percent 0), as the cpu_quota key reads it.
std::string FormatCpuQuota(CpuQuota quota);
// The largest unit that divides exactly ("2min", "1500ms", "0s"); ParseDuration reads it back.
std::string FormatDuration(Duration duration);

}  // namespace berth::config
