#pragma once
// The container schema's plain sections as key tables (config/key_table.hpp), read by the schema
// and written by the formatter: a new key in one of them is its field in model.hpp and its line in
// container_keys.cpp or resources_schema.cpp (and config_format_test's every-field round trip).
#include "config/key_table.hpp"
#include "config/model.hpp"

namespace berth::config {

// The top level's own values: hostname, stop_timeout, notify, cgroup_mount, masked_paths, readonly_paths.
const KeyTable<ContainerConfig>& TopLevelKeys();

// [checkpoint]: the defaults of berthctl checkpoint.
const KeyTable<CheckpointDefaults>& CheckpointKeys();

// [resources]: the cgroup limits and device rules (resources_schema.cpp).
const KeyTable<Resources>& ResourceKeys();

}  // namespace berth::config
