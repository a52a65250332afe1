#include "cli/criu_flag_options.hpp"

namespace berth::cli {

bool TakeCriuFlag(ArgCursor& cursor, checkpoint::CriuFlags& flags) {
    for (auto [flag, field] : {std::pair{"--tcp-established", &checkpoint::CriuFlags::tcp_established},
                               {"--ext-unix-sk", &checkpoint::CriuFlags::ext_unix_sk},
                               {"--shell-job", &checkpoint::CriuFlags::shell_job},
                               {"--file-locks", &checkpoint::CriuFlags::file_locks}})
        if (cursor.TakeFlag(flag)) {
            flags.*field = true;
            return true;
        }
    return false;
}

}  // namespace berth::cli
