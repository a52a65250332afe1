#pragma once
// The resource limits as org.berth1 a{sv} options (UpdateContainer's resources, CreateContainer's
// overrides; see org.berth1(5)), one row per option for both ends: berthd reads them onto the model
// (bus/options.cpp), clients write them from it (client/messages.cpp). Header-only, as bus/wire.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/model.hpp"

namespace berth::bus {

using ResourceOptionValue = std::variant<uint64_t, std::string>;

struct ResourceOption {
    const char* name;
    char type;  // the D-Bus type a client sends: 't' (uint64), 'u' (uint32) or 's'
    // The option's value for a limit that is set, or nothing.
    std::optional<ResourceOptionValue> (*get)(const config::Resources& resources);
    // Sets the limit from a value of the option's kind (a number for 't' and 'u', a string for 's').
    void (*set)(config::Resources& resources, const ResourceOptionValue& value);
};

namespace resource_option_detail {

template <std::optional<config::ByteSize> config::Resources::*field>
ResourceOption Size(const char* name) {
    return {name, 't',
            [](const config::Resources& r) -> std::optional<ResourceOptionValue> {
                if (!(r.*field))
                    return std::nullopt;
                return (r.*field)->bytes;
            },
            [](config::Resources& r, const ResourceOptionValue& v) { r.*field = config::ByteSize{std::get<uint64_t>(v)}; }};
}

template <std::optional<uint64_t> config::Resources::*field>
ResourceOption Count(const char* name) {
    return {name, 't',
            [](const config::Resources& r) -> std::optional<ResourceOptionValue> {
                if (!(r.*field))
                    return std::nullopt;
                return *(r.*field);
            },
            [](config::Resources& r, const ResourceOptionValue& v) { r.*field = std::get<uint64_t>(v); }};
}

}  // namespace resource_option_detail

inline const std::vector<ResourceOption>& ResourceOptions() {
    using config::Resources;
    namespace d = resource_option_detail;
    static const std::vector<ResourceOption> options = {
        d::Size<&Resources::memory_max>("MemoryMax"),
        d::Size<&Resources::memory_high>("MemoryHigh"),
        d::Size<&Resources::memory_swap_max>("MemorySwapMax"),
        d::Count<&Resources::cpu_weight>("CPUWeight"),
        d::Count<&Resources::io_weight>("IOWeight"),
        d::Count<&Resources::tasks_max>("TasksMax"),
        {"CPUQuota", 'u',
         [](const Resources& r) -> std::optional<ResourceOptionValue> {
             if (!r.cpu_quota)
                 return std::nullopt;
             return uint64_t{r.cpu_quota->percent};
         },
         [](Resources& r, const ResourceOptionValue& v) {
             r.cpu_quota = config::CpuQuota{static_cast<uint32_t>(std::get<uint64_t>(v))};
         }},
        {"AllowedCPUs", 's',
         [](const Resources& r) -> std::optional<ResourceOptionValue> {
             if (!r.allowed_cpus)
                 return std::nullopt;
             return *r.allowed_cpus;
         },
         [](Resources& r, const ResourceOptionValue& v) { r.allowed_cpus = std::get<std::string>(v); }},
    };
    return options;
}

}  // namespace berth::bus
