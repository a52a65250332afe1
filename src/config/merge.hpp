#pragma once
// Applying one TOML file over another: tables merge key by key, everything else (scalars,
// arrays, arrays of tables) is replaced by the later file. Nodes are moved, not copied, so each
// keeps the file, line and column it was read from.
#include <toml++/toml.h>

namespace berth::config {

// Merges `overlay` into `base`, consuming `overlay`.
void MergeTables(toml::table& base, toml::table&& overlay);

}  // namespace berth::config
