// Sizes, CPU quotas and durations as a person writes them, and their formatting back.
#include <gtest/gtest.h>

#include "config/units.hpp"

namespace berth::config {
namespace {

using namespace std::chrono_literals;

TEST(ConfigUnits, SizesWithBinarySuffixes) {
    EXPECT_EQ(ParseByteSize("1024").bytes, 1024u);
    EXPECT_EQ(ParseByteSize("0").bytes, 0u);
    EXPECT_EQ(ParseByteSize("512K").bytes, 512u * 1024);
    EXPECT_EQ(ParseByteSize("512M").bytes, 512u * 1024 * 1024);
    EXPECT_EQ(ParseByteSize("2G").bytes, 2ULL << 30);
    EXPECT_EQ(ParseByteSize("1T").bytes, 1ULL << 40);
    EXPECT_EQ(ParseByteSize("1P").bytes, 1ULL << 50);
    EXPECT_EQ(ParseByteSize("1E").bytes, 1ULL << 60);
    EXPECT_EQ(ParseByteSize("2g").bytes, 2ULL << 30);
    EXPECT_EQ(ParseByteSize("512MiB").bytes, 512ULL << 20);
    EXPECT_EQ(ParseByteSize("512MB").bytes, 512ULL << 20);
    EXPECT_EQ(ParseByteSize("1.5G").bytes, 3ULL << 29);
    EXPECT_EQ(ParseByteSize("0.5K").bytes, 512u);
}

TEST(ConfigUnits, BadSizesAreRejected) {
    for (const char* text : {"", "M", "12X", "1.5", "-1", "1GG", "1 2", "18446744073709551616", "16E", "G1", "1.G"})
        EXPECT_THROW(ParseByteSize(text), UnitError) << text;
}

TEST(ConfigUnits, LargestSizeStillFits) {
    EXPECT_EQ(ParseByteSize("18446744073709551615").bytes, 18446744073709551615ULL);
    EXPECT_EQ(ParseByteSize("15E").bytes, 15ULL << 60);
}

TEST(ConfigUnits, CpuQuotaPercent) {
    EXPECT_EQ(ParseCpuQuota("150%").percent, 150u);
    EXPECT_EQ(ParseCpuQuota("1%").percent, 1u);
    EXPECT_EQ(ParseCpuQuota("400%").percent, 400u);
    for (const char* text : {"150", "0%", "1.5%", "%", "-10%", "150 %", "abc", "99999999999%"})
        EXPECT_THROW(ParseCpuQuota(text), UnitError) << text;
}

TEST(ConfigUnits, CpuQuotaWithItsPeriod) {
    EXPECT_EQ(ParseCpuQuota("10%/500ms"), (CpuQuota{10, 500000}));
    EXPECT_EQ(ParseCpuQuota("10%/1s"), (CpuQuota{10, 1000000}));
    EXPECT_EQ(ParseCpuQuota("10%/100ms"), (CpuQuota{10, 0}));  // the default period, spelled out
    EXPECT_EQ(FormatCpuQuota({10, 500000}), "10%/500ms");
    EXPECT_EQ(FormatCpuQuota({0, 200000}), "max");  // no quota: what the cpu_quota key reads back
    EXPECT_EQ(ParseCpuQuota(FormatCpuQuota({25, 20000})), (CpuQuota{25, 20000}));
    for (const char* text : {"10%/", "10%/2s", "10%/999us", "10%500ms", "10%/500", "10%/ms"})
        EXPECT_THROW(ParseCpuQuota(text), UnitError) << text;
}

TEST(ConfigUnits, Durations) {
    EXPECT_EQ(ParseDuration("30s"), Duration(30s));
    EXPECT_EQ(ParseDuration("500ms"), Duration(500ms));
    EXPECT_EQ(ParseDuration("2min"), Duration(2min));
    EXPECT_EQ(ParseDuration("1h"), Duration(1h));
    EXPECT_EQ(ParseDuration("1d"), Duration(24h));
    EXPECT_EQ(ParseDuration("250us"), Duration(250us));
    EXPECT_EQ(ParseDuration("1.5s"), Duration(1500ms));
    EXPECT_EQ(ParseDuration("1min 30s"), Duration(90s));
    EXPECT_EQ(ParseDuration("1h30min"), Duration(90min));
    EXPECT_EQ(ParseDuration("0s"), Duration(0));
    EXPECT_EQ(ParseDuration("10 sec"), Duration(10s));
}

TEST(ConfigUnits, BadDurationsAreRejected) {
    for (const char* text : {"", "10", "s", "10x", "10 parsecs", "-1s", "1.s", "99999999999999999999h"})
        EXPECT_THROW(ParseDuration(text), UnitError) << text;
}

TEST(ConfigUnits, FormatPicksLargestExactUnit) {
    EXPECT_EQ(FormatByteSize({512ULL << 20}), "512M");
    EXPECT_EQ(FormatByteSize({2ULL << 30}), "2G");
    EXPECT_EQ(FormatByteSize({1536ULL << 20}), "1536M");
    EXPECT_EQ(FormatByteSize({1000}), "1000");
    EXPECT_EQ(FormatByteSize({0}), "0");
    EXPECT_EQ(FormatCpuQuota({150}), "150%");
    EXPECT_EQ(FormatDuration(Duration(90s)), "90s");
    EXPECT_EQ(FormatDuration(Duration(2min)), "2min");
    EXPECT_EQ(FormatDuration(Duration(1500ms)), "1500ms");
    EXPECT_EQ(FormatDuration(Duration(0)), "0s");
    EXPECT_EQ(FormatDuration(Duration(48h)), "2d");
}

TEST(ConfigUnits, FormattedValuesParseBack) {
    for (uint64_t bytes : {0ULL, 1ULL, 1000ULL, 4096ULL, 512ULL << 20, 3ULL << 29, 18446744073709551615ULL})
        EXPECT_EQ(ParseByteSize(FormatByteSize({bytes})).bytes, bytes);
    for (auto d : {Duration(0), Duration(1), Duration(1500ms), Duration(3h), Duration(86401s)})
        EXPECT_EQ(ParseDuration(FormatDuration(d)), d);
}

}  // namespace
}  // namespace berth::config
