#pragma once
// The monitor: one small process per started container (berthd re-executed as
// `berthd --monitor NAME ...`). It starts the container's init as its own child, so it can read the
// init's exit status; relays the container's stdout/stderr to the journal (CONTAINER_NAME=,
// CONTAINER_ID=) or to LOG_DIR/NAME.log; records the exit status in the state; then exits. It is
// detached from berthd, so a restart or kill -9 of berthd loses nothing.
#include <string>

#include "bus/manager_engine.hpp"

namespace berth::bus {

// Starts the monitor for name and returns once the container runs (or throws why it did not).
// With restore_image, the monitor restores that CRIU checkpoint as name instead of starting it.
void StartWithMonitor(const EngineSettings& settings, const std::string& name, const std::string& restore_image);

// The monitor's main (argv after --monitor handled by berthd.cpp); fd 3 receives the start result.
int RunMonitor(const EngineSettings& settings, const std::string& name, const std::string& restore_image);

}  // namespace berth::bus
