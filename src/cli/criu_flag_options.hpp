#pragma once
// The CRIU flags that checkpoint and migrate both take (they must match at dump and restore):
// --tcp-established, --ext-unix-sk, --shell-job, --file-locks.
#include "checkpoint/descriptor.hpp"
#include "cli/arg_cursor.hpp"

namespace berth::cli {

// Consumes the next argument into `flags` if it is one of those flags.
bool TakeCriuFlag(ArgCursor& cursor, checkpoint::CriuFlags& flags);

}  // namespace berth::cli
