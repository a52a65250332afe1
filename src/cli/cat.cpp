// berthctl cat NAME: the files that make up a container's configuration, in the order applied.
#include <iostream>

#include "cli/config_search_path.hpp"
#include "cli/verb.hpp"
#include "config/loader.hpp"
#include "util/file.hpp"

namespace berth::cli {
namespace {

int CatMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    if (args.size() != 1)
        throw UsageError{"expected exactly one container name"};
    std::vector<std::string> files = config::ResolveFiles(args[0], ContainerSearchPath(global));
    for (size_t i = 0; i < files.size(); ++i) {
        std::string content = ReadFile(files[i]);
        if (!content.empty() && content.back() != '\n')
            content += '\n';
        std::cout << (i == 0 ? "" : "\n") << "# " << files[i] << "\n" << content;
    }
    return 0;
}

}  // namespace

BERTH_VERB("cat", "cat NAME", "Show the configuration files of a container, in the order applied", CatMain);

}  // namespace berth::cli
