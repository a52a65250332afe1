#pragma once
// Finding a container's (or the daemon's) TOML files on the search path and loading them:
// main file (first directory wins) + drop-ins NAME.toml.d/*.toml (lexical by file name, a
// higher-precedence directory's drop-in replaces a same-named one in a lower), merged and validated.
#include <string>
#include <vector>

#include "config/model.hpp"
#include "util/error.hpp"

namespace berth::config {

// Directories searched, highest precedence first.
struct SearchPath {
    std::vector<std::string> dirs;

    // /etc/berth/containers, /run/berth/containers, /usr/lib/berth/containers.
    static SearchPath DefaultContainers();
    // /etc/berth, /run/berth, /usr/lib/berth (for berthd.toml).
    static SearchPath DefaultDaemon();
    // "DIR[:DIR...]" as given to --config-path or BERTH_CONFIG_PATH.
    static SearchPath Parse(const std::string& colon_separated);
};

// A configuration error: names the file, line, column, the key path and what was expected.
// what() reads "FILE:LINE:COLUMN: KEY.PATH: REASON".
class ConfigError : public Error {
public:
    ConfigError(std::string file, int line, int column, std::string key_path, std::string reason);
    const std::string& File() const noexcept { return file_; }
    int Line() const noexcept { return line_; }
    int Column() const noexcept { return column_; }
    const std::string& KeyPath() const noexcept { return key_path_; }
    const std::string& Reason() const noexcept { return reason_; }

private:
    std::string file_;
    int line_;
    int column_;
    std::string key_path_;
    std::string reason_;
};

// The files that make up a unit NAME ("web" -> web.toml and web.toml.d/*.toml), in the order
// applied: the main file first, then the drop-ins. Throws Error if no main file is found.
std::vector<std::string> ResolveFiles(const std::string& name, const SearchPath& path);

// Loads, merges and validates a container's configuration (rootfs is required). Throws ConfigError (bad content)
// or Error (missing/unreadable files). config.name is set to NAME.
ContainerConfig LoadContainerConfig(const std::string& name, const SearchPath& path);

// Loads and validates an explicit list of files applied in order (for check-config and tests).
ContainerConfig LoadContainerConfigFiles(const std::string& name, const std::vector<std::string>& files);

// Parses a container configuration from a TOML string (for D-Bus CreateContainer); `origin` names it in errors.
ContainerConfig ParseContainerConfigString(const std::string& name, const std::string& toml_text,
                                           const std::string& origin);

// Checks a configuration built in memory (command-line flags, D-Bus overrides) with the same schema
// as files, by reading its TOML form back; throws ConfigError naming `origin` and the key (no line).
void ValidateContainerConfig(const ContainerConfig& config, const std::string& origin);
// Checks limits changed on a running container (update, D-Bus UpdateContainer) as the schema checks
// them in files (memory_max and memory_high at least kMinMemoryLimit); throws ConfigError naming
// `origin` and the key.
void ValidateResourceChanges(const Resources& changes, const std::string& origin);

// Validates one file on its own as a container configuration and returns every problem found
// (empty: valid). A drop-in (`drop_in`) is not required to be complete (e.g. to name a rootfs).
// Throws Error if the file can't be read.
std::vector<ConfigError> CheckContainerConfigFile(const std::string& file, bool drop_in);

// Loads berthd.toml + berthd.toml.d/ from the path; defaults when no main file exists
// (drop-ins still apply then).
DaemonConfig LoadDaemonConfig(const SearchPath& path);

// Loads and validates an explicit list of daemon config files applied in order.
DaemonConfig LoadDaemonConfigFiles(const std::vector<std::string>& files);

// The merged, validated configuration printed as TOML (what `berthctl show-config` prints).
std::string FormatContainerConfig(const ContainerConfig& config);

}  // namespace berth::config
