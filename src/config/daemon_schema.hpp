#pragma once
// The daemon's TOML schema (berthd.toml): converting a table onto a DaemonConfig with validation.
#include <toml++/toml.h>

#include "config/model.hpp"
#include "config/problems.hpp"

namespace berth::config {

void ApplyDaemonTable(const toml::table& root, DaemonConfig& config, Problems& problems);

}  // namespace berth::config
