#pragma once
// The sections of the container schema that live in their own files (used by container_schema.cpp).
#include <toml++/toml.h>

#include "config/model.hpp"
#include "config/problems.hpp"

namespace berth::config {

// resources = { memory_max, ..., devices = [ rules ] }
void ApplyResources(const toml::node& node, Resources& resources, Problems& problems);
// [[mounts]]
void ApplyMounts(const toml::node& node, std::vector<MountConfig>& mounts, Problems& problems);
// [[devices]]
void ApplyDevices(const toml::node& node, std::vector<DeviceConfig>& devices, Problems& problems);
// [[uid_mappings]] / [[gid_mappings]]; `key` is the array's name.
void ApplyIdMappings(const toml::node& node, const std::string& key, std::vector<IdMapping>& mappings,
                     Problems& problems);

// The largest uid/gid a configuration may name: (uid_t)-1 means "unchanged" to the kernel.
inline constexpr int64_t kMaxId = 4294967294;

}  // namespace berth::config
