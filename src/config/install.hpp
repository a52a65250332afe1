#pragma once
// NAME.toml's [install] table: how `berthctl generate-unit` makes a systemd service of the
// container (its [Install] section and restart policy). Not part of ContainerConfig: it describes
// the unit around the container, not the container.
#include <toml++/toml.h>

#include <chrono>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "config/model.hpp"
#include "config/problems.hpp"

namespace berth::config {

struct InstallConfig {
    bool present = false;                  // the files have an [install] table
    std::vector<std::string> wanted_by;    // unit names, as WantedBy=
    std::vector<std::string> required_by;  // as RequiredBy=
    std::vector<std::string> after;        // ordering and wants of the [Unit] section
    std::vector<std::string> wants;
    std::string restart = "no";            // systemd's Restart= values
    Duration restart_sec = std::chrono::milliseconds(100);
    friend bool operator==(const InstallConfig&, const InstallConfig&) = default;
};

// install = { wanted_by, required_by, after, wants, restart, restart_sec }
void ApplyInstall(const toml::node& node, InstallConfig& install, Problems& problems);

// The [install] table of NAME.toml and its drop-ins, merged as the rest of the file; validated.
// Throws ConfigError (bad content) or Error (no NAME.toml on the path).
InstallConfig LoadInstallConfig(const std::string& name, const SearchPath& path);

}  // namespace berth::config
