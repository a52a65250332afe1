#include "config/daemon_schema.hpp"

#include "config/toml_values.hpp"

namespace berth::config {

void ApplyDaemonTable(const toml::table& root, DaemonConfig& config, Problems& problems) {
    CheckKeys(root, "", {"state_dir", "cgroup_driver", "criu_path", "job_timeout", "log_dir"}, problems);
    if (const toml::node* node = root.get("state_dir"))
        if (std::optional<std::string> value = ReadAbsolutePath(*node, "state_dir", problems))
            config.state_dir = *value;
    if (const toml::node* node = root.get("cgroup_driver"))
        if (std::optional<std::string> value =
                ReadChoice(*node, "cgroup_driver", {"systemd", "cgroupfs", "auto"}, problems))
            config.cgroup_driver = *value;
    if (const toml::node* node = root.get("criu_path")) {
        // "" means: find criu on PATH, as when the key is absent.
        if (const toml::value<std::string>* text = node->as_string(); text && text->get().empty())
            config.criu_path.clear();
        else if (std::optional<std::string> value = ReadAbsolutePath(*node, "criu_path", problems))
            config.criu_path = *value;
    }
    if (const toml::node* node = root.get("job_timeout")) {
        if (std::optional<Duration> value = ReadDuration(*node, "job_timeout", problems)) {
            if (value->count() <= 0)
                problems.Add(*node, "job_timeout", "expected a duration longer than 0s");
            else
                config.job_timeout = *value;
        }
    }
    if (const toml::node* node = root.get("log_dir"))
        if (std::optional<std::string> value = ReadAbsolutePath(*node, "log_dir", problems))
            config.log_dir = *value;
}

}  // namespace berth::config
