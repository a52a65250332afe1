#include "config/units.hpp"

#include <array>
#include <cctype>
#include <cstdint>
#include <limits>

namespace berth::config {
namespace {

struct Unit {
    std::string_view suffix;
    uint64_t factor;
};

constexpr std::array kSizeUnits = {
    Unit{"E", 1ULL << 60}, Unit{"P", 1ULL << 50}, Unit{"T", 1ULL << 40},
    Unit{"G", 1ULL << 30}, Unit{"M", 1ULL << 20}, Unit{"K", 1ULL << 10},
};

// Microseconds per unit; several spellings each, the first is the one FormatDuration prints.
constexpr std::array kDurationUnits = {
    Unit{"d", 86400000000ULL}, Unit{"day", 86400000000ULL}, Unit{"days", 86400000000ULL},
    Unit{"h", 3600000000ULL},  Unit{"hr", 3600000000ULL},   Unit{"hour", 3600000000ULL},
    Unit{"hours", 3600000000ULL},
    Unit{"min", 60000000ULL},  Unit{"m", 60000000ULL},      Unit{"minute", 60000000ULL},
    Unit{"minutes", 60000000ULL},
    Unit{"s", 1000000ULL},     Unit{"sec", 1000000ULL},     Unit{"second", 1000000ULL},
    Unit{"seconds", 1000000ULL},
    Unit{"ms", 1000ULL},       Unit{"msec", 1000ULL},
    Unit{"us", 1ULL},          Unit{"usec", 1ULL},
};

constexpr std::array kDurationFormatUnits = {
    Unit{"d", 86400000000ULL}, Unit{"h", 3600000000ULL}, Unit{"min", 60000000ULL},
    Unit{"s", 1000000ULL},     Unit{"ms", 1000ULL},      Unit{"us", 1ULL},
};

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// A decimal number "123" or "1.25" at the front of `text`, consumed from it.
struct Decimal {
    uint64_t whole = 0;
    std::string_view fraction;  // the digits after the point, maybe empty
};

bool TakeDecimal(std::string_view& text, Decimal& out) {
    size_t i = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        uint64_t digit = static_cast<uint64_t>(text[i] - '0');
        if (out.whole > (kMax - digit) / 10)
            throw UnitError("number too large");
        out.whole = out.whole * 10 + digit;
        ++i;
    }
    if (i == 0)
        return false;
    if (i < text.size() && text[i] == '.') {
        size_t start = ++i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
            ++i;
        if (i == start)
            throw UnitError("a digit must follow the decimal point");
        out.fraction = text.substr(start, i - start);
    }
    text.remove_prefix(i);
    return true;
}

// number * factor, rounded down, or throws when it does not fit 64 bits.
uint64_t Scale(const Decimal& number, uint64_t factor) {
    if (number.whole != 0 && factor > kMax / number.whole)
        throw UnitError("value too large");
    uint64_t result = number.whole * factor;
    // The fraction's contribution, digit by digit: factor * 0.d1d2d3...
    uint64_t divisor = 1;
    uint64_t part = 0;
    for (char c : number.fraction) {
        if (divisor == 1000000000)
            break;  // nine digits are finer than any unit we scale by; more could overflow below
        divisor *= 10;
        part = part * 10 + static_cast<uint64_t>(c - '0');
    }
    // factor * part / divisor without overflow: split factor into quotient and remainder by divisor.
    uint64_t extra = (factor / divisor) * part + (factor % divisor) * part / divisor;
    if (result > kMax - extra)
        throw UnitError("value too large");
    return result + extra;
}

void SkipSpaces(std::string_view& text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
}

}  // namespace

ByteSize ParseByteSize(std::string_view text) {
    std::string_view rest = text;
    Decimal number;
    if (!TakeDecimal(rest, number))
        throw UnitError("a size starts with a number");
    SkipSpaces(rest);
    if (rest.empty()) {
        if (!number.fraction.empty())
            throw UnitError("a number of bytes must be whole");
        return ByteSize{number.whole};
    }
    std::string_view suffix = rest.substr(0, 1);
    std::string_view tail = rest.substr(1);
    if (!(tail.empty() || EqualsIgnoreCase(tail, "iB") || tail == "B"))
        throw UnitError("unknown size suffix '" + std::string(rest) + "'");
    for (const Unit& unit : kSizeUnits)
        if (EqualsIgnoreCase(suffix, unit.suffix))
            return ByteSize{Scale(number, unit.factor)};
    throw UnitError("unknown size suffix '" + std::string(rest) + "'");
}

CpuQuota ParseCpuQuota(std::string_view text) {
    std::string_view rest = text;
    Decimal number;
    if (!TakeDecimal(rest, number) || rest.empty() || rest.front() != '%')
        throw UnitError("a CPU quota is a percentage of one CPU");
    rest.remove_prefix(1);
    uint64_t period = 0;
    if (!rest.empty()) {
        // "10%/500ms": the period the quota is measured over (the kernel's default is 100ms).
        if (rest.front() != '/')
            throw UnitError("a CPU quota is a percentage of one CPU, optionally with its period (\"10%/500ms\")");
        rest.remove_prefix(1);
        period = static_cast<uint64_t>(ParseDuration(rest).count());
        if (period < kMinCpuPeriodUsec || period > kMaxCpuPeriodUsec)
            throw UnitError("a CPU quota's period is from 1ms to 1s");
        if (period == kDefaultCpuPeriodUsec)
            period = 0;
    }
    if (!number.fraction.empty())
        throw UnitError("a CPU quota is a whole number of percent");
    if (number.whole == 0)
        throw UnitError("a CPU quota must be at least 1%");
    if (number.whole > std::numeric_limits<uint32_t>::max())
        throw UnitError("CPU quota too large");
    return CpuQuota{static_cast<uint32_t>(number.whole), period};
}

Duration ParseDuration(std::string_view text) {
    std::string_view rest = text;
    SkipSpaces(rest);
    if (rest.empty())
        throw UnitError("a duration can't be empty");
    uint64_t total = 0;
    while (!rest.empty()) {
        Decimal number;
        if (!TakeDecimal(rest, number))
            throw UnitError("a duration is a number followed by a unit");
        SkipSpaces(rest);
        size_t letters = 0;
        while (letters < rest.size() && std::isalpha(static_cast<unsigned char>(rest[letters])))
            ++letters;
        std::string_view word = rest.substr(0, letters);
        if (word.empty())
            throw UnitError("a duration needs a unit (us, ms, s, min, h, d)");
        const Unit* found = nullptr;
        for (const Unit& unit : kDurationUnits)
            if (word == unit.suffix)
                found = &unit;
        if (found == nullptr)
            throw UnitError("unknown unit '" + std::string(word) + "'; units are us, ms, s, min, h and d");
        rest.remove_prefix(letters);
        SkipSpaces(rest);
        uint64_t part = Scale(number, found->factor);
        if (total > kMax - part)
            throw UnitError("duration too large");
        total += part;
    }
    if (total > static_cast<uint64_t>(std::numeric_limits<Duration::rep>::max()))
        throw UnitError("duration too large");
    return Duration(static_cast<Duration::rep>(total));
}

std::optional<std::string> MemoryLimitProblem(ByteSize size) {
    if (size.bytes >= kMinMemoryLimit)
        return std::nullopt;
    return "expected at least " + FormatByteSize(ByteSize{kMinMemoryLimit}) +
           " (a container cannot start with less), got " + FormatByteSize(size);
}

std::string FormatByteSize(ByteSize size) {
    if (size.bytes != 0)
        for (const Unit& unit : kSizeUnits)
            if (size.bytes % unit.factor == 0)
                return std::to_string(size.bytes / unit.factor) + std::string(unit.suffix);
    return std::to_string(size.bytes);
}

std::string FormatCpuQuota(CpuQuota quota) {
    if (quota.percent == 0)
        return "max";  // no quota (a D-Bus CPUQuota of 0, an OCI period alone): "0%" would not parse back
    std::string text = std::to_string(quota.percent) + "%";
    if (quota.period_us != 0 && quota.period_us != kDefaultCpuPeriodUsec)
        text += "/" + FormatDuration(Duration(static_cast<Duration::rep>(quota.period_us)));
    return text;
}

std::string FormatDuration(Duration duration) {
    uint64_t us = static_cast<uint64_t>(duration.count() < 0 ? 0 : duration.count());
    if (us == 0)
        return "0s";
    for (const Unit& unit : kDurationFormatUnits)
        if (us % unit.factor == 0)
            return std::to_string(us / unit.factor) + std::string(unit.suffix);
    return std::to_string(us) + "us";
}

}  // namespace berth::config
