#pragma once
// The Manager behind berth-runtime's verbs: --root is Berth's state dir (what
// `berthctl --state-dir DIR` lists), --systemd-cgroup picks the systemd driver for new containers
// (existing ones keep the driver that placed them). OCI containers come from bundles, so no TOML
// search path is read.
#include "manager/manager.hpp"
#include "runtime/verb.hpp"

namespace berth::runtime {

manager::Manager OpenManager(const GlobalOptions& global);

}  // namespace berth::runtime
