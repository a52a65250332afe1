#pragma once
// The Engine berthd really uses: the Manager, with each container's init started from a monitor
// process (`berthd --monitor NAME`) that outlives berthd and records the init's exit status.
#include <memory>
#include <string>

#include "bus/engine.hpp"
#include "config/loader.hpp"

namespace berth::bus {

// What a monitor restores instead of starting a container (both paths empty: a start).
struct RestoreSource {
    std::string image_dir;
    std::string import_path;  // an archive of checkpoint --export instead of image_dir
    std::string netns_path;   // the network namespace to restore into instead of the recorded one
    bool Empty() const { return image_dir.empty() && import_path.empty(); }
};

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
