#pragma once
// Integers read from TOML as integers only. toml++'s value<int64_t>() and value_or(int64_t) also
// convert a float, and converting one outside int64_t's range is undefined behaviour (found by
// tests/fuzz, fuzz_descriptor: `format = 7.2e36`). A float where an integer belongs is treated as
// missing, as a string there is.
#include <toml++/toml.h>

#include <cstdint>
#include <optional>

namespace berth {

// NODE is a toml::node or a node_view (table[key]).
template <typename Node>
std::optional<int64_t> TomlInteger(const Node& node) {
    if (const toml::value<int64_t>* number = node.as_integer())
        return number->get();
    return std::nullopt;
}

template <typename Node>
int64_t TomlIntegerOr(const Node& node, int64_t fallback) {
    return TomlInteger(node).value_or(fallback);
}

}  // namespace berth
