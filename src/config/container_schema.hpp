#pragma once
// The container TOML schema: converting a (merged) TOML table onto a ContainerConfig with strict
// validation. Every problem is recorded at the node it concerns, so after a merge it still names
// the file and line the value came from.
#include <toml++/toml.h>

#include "config/model.hpp"
#include "config/problems.hpp"

namespace berth::config {

// How much a table must say on its own.
enum class SchemaMode {
    Complete,  // the merged result: e.g. an rlimit needs soft and hard (from here or the defaults)
    Layer,     // one file of several: may give part of a table that another file completes
};

// Applies every key present in `root` onto `config` (keys absent keep config's values).
// Checks names, types, ranges and values of each key on its own.
void ApplyContainerTable(const toml::table& root, ContainerConfig& config, Problems& problems,
                         SchemaMode mode = SchemaMode::Complete);

// Checks that need the whole configuration: rootfs is given, hostname has a UTS namespace,
// ID mappings go with a new user namespace. `root` locates the problems.
void CheckContainerComplete(const toml::table& root, const ContainerConfig& config, Problems& problems);

// Rewrites shorthands to their full form before merging, so a later file's table merges with
// them: rootfs = "/path" becomes [rootfs] path = "/path".
void NormalizeContainerTable(toml::table& root);

}  // namespace berth::config
