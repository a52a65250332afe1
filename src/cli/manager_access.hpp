#pragma once
// The in-process Manager for the global options, and the conversions verbs share.
#include <string>

#include "cli/verb.hpp"
#include "manager/manager.hpp"

namespace berth::cli {

manager::Manager MakeManager(const GlobalOptions& global);

// Where a container's output goes without a journal (LOG_DIR/NAME.log), as berthd's: --log-dir,
// else log_dir of berthd.toml, else /var/log/berth.
std::string ContainerLogDir(const GlobalOptions& global);

// Exit code of a verb that could not start a container or process (run, exec): distinct from
// the container's own exit codes, as docker's 125.
inline constexpr int kStartFailedExitCode = 125;

// Prints "berthctl VERB: MESSAGE" on stderr.
void PrintVerbError(const std::string& verb, const std::string& message);

}  // namespace berth::cli
