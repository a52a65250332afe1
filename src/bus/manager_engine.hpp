#pragma once
// The Engine berthd really uses: the Manager, with each container's init started from a monitor
// process (`berthd --monitor NAME`) that outlives berthd and records the init's exit status.
#include <memory>
#include <string>

#include "bus/engine.hpp"
#include "config/loader.hpp"

namespace berth::bus {

struct EngineSettings {
    std::string state_dir = "/run/berth";
    std::string config_path;  // "" = default search path
    std::string cgroup_driver = "auto";
    std::string log_dir = "/var/log/berth";
    std::string self_exe = "/proc/self/exe";  // the berthd binary, re-executed as monitor
};

std::unique_ptr<Engine> MakeManagerEngine(const EngineSettings& settings);

// Option keys of CreateContainer's overrides / UpdateContainer's resources applied to a config.
// Unknown keys or wrong types throw ApiError(InvalidConfig).
void ApplyResourceOptions(const Options& options, config::Resources& resources, bool only_resources);
void ApplyCreateOverrides(const Options& options, config::ContainerConfig& config);

}  // namespace berth::bus
