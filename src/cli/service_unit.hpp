#pragma once
// The systemd service `berthctl generate-unit` writes for a container (quadlet-like): it runs
// `berthctl run NAME` as berth@NAME.service does, with NAME.toml's [install] table applied.
#include <string>

#include "config/install.hpp"
#include "config/model.hpp"

namespace berth::cli {

struct ServiceUnitSource {
    std::string name;         // the container
    std::string source_path;  // NAME.toml (SourcePath=)
    std::string berthctl;     // absolute path of the berthctl the unit runs
    std::string config_path;  // non-empty: BERTH_CONFIG_PATH for it
    std::string state_dir;    // non-empty: BERTH_STATE_DIR for it
    config::Duration stop_timeout{};
    config::InstallConfig install;
};

// "berth-NAME.service" (not NAME.service: a container must never shadow a host's unit).
std::string ServiceUnitName(const std::string& container);

// The unit file's text.
std::string RenderServiceUnit(const ServiceUnitSource& source);

// A word of a unit file's command line or Environment= value: double-quoted, with \, " escaped and
// % and $ doubled (no specifier or variable expansion).
std::string QuoteUnitWord(const std::string& word);

}  // namespace berth::cli
