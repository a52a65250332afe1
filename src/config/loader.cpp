// Loading: each file is parsed and validated on its own (so a bad value is blamed on its file),
// then merged over the earlier ones; the merged table is converted once more onto the defaults.
// Nothing is returned unless every file and the merged result are valid.
#include "config/loader.hpp"

#include <algorithm>

#include "config/container_schema.hpp"
#include "config/daemon_schema.hpp"
#include "config/defaults.hpp"
#include "config/merge.hpp"
#include "config/resolve.hpp"
#include "config/toml_document.hpp"
#include "config/units.hpp"

namespace berth::config {
namespace {

class ContainerLayers {
public:
    void Add(toml::table&& table, const std::string& origin) {
        Problems problems(origin);
        ApplyContainerTable(table, layered_, problems, SchemaMode::Layer);
        problems.ThrowIfAny();
        NormalizeContainerTable(table);
        if (origins_.empty())
            merged_ = std::move(table);
        else
            MergeTables(merged_, std::move(table));
        origins_.push_back(origin);
    }

    ContainerConfig Finish(const std::string& name) const {
        if (origins_.empty())
            throw Error("Failed to load configuration of " + name + ": no files given");
        Problems problems(origins_.front());
        ContainerConfig config = DefaultContainerConfig();
        ApplyContainerTable(merged_, config, problems);
        CheckContainerComplete(merged_, config, problems);
        problems.ThrowIfAny();
        config.name = name;
        return config;
    }

private:
    toml::table merged_;
    // The files so far applied one by one: only to validate each file in its context.
    ContainerConfig layered_ = DefaultContainerConfig();
    std::vector<std::string> origins_;
};

}  // namespace

ContainerConfig LoadContainerConfigFiles(const std::string& name, const std::vector<std::string>& files) {
    ContainerLayers layers;
    for (const std::string& file : files)
        layers.Add(ParseTomlFile(file), file);
    return layers.Finish(name);
}

ContainerConfig LoadContainerConfig(const std::string& name, const SearchPath& path) {
    return LoadContainerConfigFiles(name, ResolveFiles(name, path));
}

ContainerConfig ParseContainerConfigString(const std::string& name, const std::string& toml_text,
                                           const std::string& origin) {
    ContainerLayers layers;
    layers.Add(ParseTomlText(toml_text, origin), origin);
    return layers.Finish(name);
}

void ValidateResourceChanges(const Resources& changes, const std::string& origin) {
    for (const auto& [key, value] : {std::pair{"resources.memory_max", &changes.memory_max},
                                     std::pair{"resources.memory_high", &changes.memory_high}})
        if (*value)
            if (std::optional<std::string> problem = MemoryLimitProblem(**value))
                throw ConfigError(origin, 0, 0, key, *problem);
}

void ValidateContainerConfig(const ContainerConfig& config, const std::string& origin) {
    try {
        ParseContainerConfigString(config.name, FormatContainerConfig(config), origin);
    } catch (const ConfigError& e) {
        throw ConfigError(origin, 0, 0, e.KeyPath(), e.Reason());
    }
}

std::vector<ConfigError> CheckContainerConfigFile(const std::string& file, bool drop_in) {
    toml::table table;
    try {
        table = ParseTomlFile(file);
    } catch (const ConfigError& e) {
        return {e};
    }
    Problems problems(file);
    ContainerConfig config = DefaultContainerConfig();
    ApplyContainerTable(table, config, problems, drop_in ? SchemaMode::Layer : SchemaMode::Complete);
    if (!drop_in && problems.Empty())
        CheckContainerComplete(table, config, problems);
    // In file order, as a person reads the file top to bottom.
    std::vector<ConfigError> errors = problems.All();
    std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
        return a.Line() != b.Line() ? a.Line() < b.Line() : a.Column() < b.Column();
    });
    return errors;
}

DaemonConfig LoadDaemonConfigFiles(const std::vector<std::string>& files) {
    toml::table merged;
    for (const std::string& file : files) {
        toml::table table = ParseTomlFile(file);
        Problems problems(file);
        DaemonConfig scratch;
        ApplyDaemonTable(table, scratch, problems);
        problems.ThrowIfAny();
        MergeTables(merged, std::move(table));
    }
    Problems problems(files.empty() ? std::string("berthd.toml") : files.front());
    DaemonConfig config;
    ApplyDaemonTable(merged, config, problems);
    problems.ThrowIfAny();
    return config;
}

DaemonConfig LoadDaemonConfig(const SearchPath& path) {
    ResolvedFiles resolved = ResolveUnitFiles("berthd", path);
    std::vector<std::string> files;
    if (resolved.main)
        files.push_back(*resolved.main);
    files.insert(files.end(), resolved.drop_ins.begin(), resolved.drop_ins.end());
    return LoadDaemonConfigFiles(files);
}

}  // namespace berth::config
