// The [install] table: validated with the rest of the file (container_schema.cpp calls
// ApplyInstall), loaded on its own for generate-unit.
#include "config/install.hpp"

#include <cctype>

#include "config/merge.hpp"
#include "config/toml_document.hpp"
#include "config/toml_values.hpp"

namespace berth::config {
namespace {

const std::vector<std::string_view> kRestartValues = {"no",         "always",      "on-success", "on-failure",
                                                      "on-abnormal", "on-watchdog", "on-abort"};
const std::vector<std::string_view> kUnitSuffixes = {".service", ".socket", ".target", ".timer", ".path",
                                                     ".mount",   ".device", ".slice",  ".scope"};

bool IsUnitName(const std::string& name) {
    if (name.empty() || name.size() > 255)
        return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' || c == '_' || c == '.' ||
              c == '@' || c == '\\'))
            return false;
    for (std::string_view suffix : kUnitSuffixes)
        if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
            return true;
    return false;
}

void ReadUnitNames(const toml::table& table, const char* key, std::vector<std::string>& names, Problems& problems) {
    const toml::node* node = table.get(key);
    if (!node)
        return;
    std::optional<std::vector<std::string>> values = ReadStringArray(*node, KeyPath("install", key), problems);
    if (!values)
        return;
    for (const std::string& name : *values)
        if (!IsUnitName(name)) {
            problems.Add(*node, KeyPath("install", key),
                         "expected systemd unit names such as \"multi-user.target\", got \"" + name + "\"");
            return;
        }
    names = std::move(*values);
}

}  // namespace

void ApplyInstall(const toml::node& node, InstallConfig& install, Problems& problems) {
    const toml::table* table = ReadTable(node, "install", problems);
    if (!table)
        return;
    install.present = true;
    CheckKeys(*table, "install", {"wanted_by", "required_by", "after", "wants", "restart", "restart_sec"}, problems);
    ReadUnitNames(*table, "wanted_by", install.wanted_by, problems);
    ReadUnitNames(*table, "required_by", install.required_by, problems);
    ReadUnitNames(*table, "after", install.after, problems);
    ReadUnitNames(*table, "wants", install.wants, problems);
    if (const toml::node* restart = table->get("restart"))
        if (std::optional<std::string> value = ReadChoice(*restart, "install.restart", kRestartValues, problems))
            install.restart = *value;
    if (const toml::node* sec = table->get("restart_sec"))
        if (std::optional<Duration> value = ReadDuration(*sec, "install.restart_sec", problems))
            install.restart_sec = *value;
}

InstallConfig LoadInstallConfig(const std::string& name, const SearchPath& path) {
    std::vector<std::string> files = ResolveFiles(name, path);
    toml::table merged;
    for (const std::string& file : files)
        MergeTables(merged, ParseTomlFile(file));
    InstallConfig install;
    Problems problems(files.front());
    if (const toml::node* node = merged.get("install"))
        ApplyInstall(*node, install, problems);
    problems.ThrowIfAny();
    return install;
}

}  // namespace berth::config
