// berthctl generate-unit [--output DIR] NAME: a systemd service for NAME.toml (quadlet-like), from
// its [install] table; --generator DIR: as a systemd generator, one for every NAME.toml on the
// search path that has an [install] table, with the [Install] links made in DIR.
#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <iostream>
#include <memory>
#include <set>

#include "cli/arg_cursor.hpp"
#include "cli/config_search_path.hpp"
#include "cli/service_unit.hpp"
#include "cli/verb.hpp"
#include "config/install.hpp"
#include "manager/container_id.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::cli {
namespace {

std::string OwnExecutable() {
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n < 0)
        ThrowErrno("Failed to find berthctl's own path (/proc/self/exe)");
    return std::string(path, static_cast<size_t>(n));
}

ServiceUnitSource SourceOf(const GlobalOptions& global, const std::string& name) {
    config::SearchPath path = ContainerSearchPath(global);
    ServiceUnitSource source;
    source.name = name;
    source.source_path = config::ResolveFiles(name, path).front();
    source.berthctl = OwnExecutable();
    source.config_path = global.config_path;
    if (global.state_dir != GlobalOptions{}.state_dir)
        source.state_dir = global.state_dir;
    // The whole configuration must be valid for the unit to run it.
    source.stop_timeout = config::LoadContainerConfig(name, path).stop_timeout;
    source.install = config::LoadInstallConfig(name, path);
    return source;
}

void WriteUnit(const std::string& dir, const ServiceUnitSource& source) {
    MakeDirs(dir);
    WriteFileAtomic(dir + "/" + ServiceUnitName(source.name), RenderServiceUnit(source));
}

// What `systemctl enable` would link, made by hand: generated units cannot be enabled.
void LinkInstall(const std::string& dir, const ServiceUnitSource& source) {
    const std::string unit = ServiceUnitName(source.name);
    for (auto [suffix, targets] : {std::pair{".wants", &source.install.wanted_by},
                                   std::pair{".requires", &source.install.required_by}}) {
        for (const std::string& target : *targets) {
            const std::string link_dir = dir + "/" + target + suffix;
            MakeDirs(link_dir);
            const std::string link = link_dir + "/" + unit;
            if (symlink(("../" + unit).c_str(), link.c_str()) < 0 && errno != EEXIST)
                ThrowErrno("Failed to link " + link);
        }
    }
}

// NAME for each NAME.toml (a file) in the search path's directories, each once.
std::set<std::string> ConfiguredNames(const config::SearchPath& path) {
    std::set<std::string> names;
    for (const std::string& dir : path.dirs) {
        std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
        if (!d)
            continue;
        while (struct dirent* entry = readdir(d.get())) {
            std::string file = entry->d_name;
            if (file.size() > 5 && file.compare(file.size() - 5, 5, ".toml") == 0 &&
                (entry->d_type == DT_REG || entry->d_type == DT_LNK || entry->d_type == DT_UNKNOWN))
                names.insert(file.substr(0, file.size() - 5));
        }
    }
    return names;
}

// A generator must not fail the boot: a broken file is reported and skipped.
int Generate(const GlobalOptions& global, const std::string& dir) {
    for (const std::string& name : ConfiguredNames(ContainerSearchPath(global))) {
        try {
            manager::ContainerId id(name);
            ServiceUnitSource source = SourceOf(global, id.str());
            if (!source.install.present)
                continue;
            WriteUnit(dir, source);
            LinkInstall(dir, source);
        } catch (const std::exception& e) {
            std::cerr << "berthctl generate-unit: skipping " << name << ": " << e.what() << "\n";
        }
    }
    return 0;
}

int GenerateUnitMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    std::optional<std::string> output, generator, name;
    ArgCursor cursor(args);
    while (!cursor.Done()) {
        if (auto v = cursor.TakeValue("--output"))
            output = *v;
        else if (auto g = cursor.TakeValue("--generator"))
            generator = *g;
        else
            cursor.TakeName(name);
    }
    if (generator) {
        if (name || output)
            throw UsageError{"--generator DIR takes no NAME and no --output"};
        return Generate(global, *generator);
    }
    if (!name)
        throw UsageError{"missing container name"};
    ServiceUnitSource source = SourceOf(global, manager::ContainerId(*name).str());
    if (!output) {
        std::cout << RenderServiceUnit(source);
        return 0;
    }
    WriteUnit(*output, source);
    std::cout << *output << "/" << ServiceUnitName(source.name) << "\n";
    return 0;
}

}  // namespace

BERTH_VERB("generate-unit", "generate-unit [--output DIR] NAME | generate-unit --generator DIR",
           "print or write a systemd service for NAME.toml (its [install] table)", GenerateUnitMain);

}  // namespace berth::cli
