#pragma once
// Fault injection for tests (tests/integration/fault_test.cpp): with BERTH_PHASE_FD=W and
// BERTH_PHASE_ACK_FD=R in the environment, each marker writes "phase NAME PID\n" to fd W and then
// blocks until one byte can be read from fd R, so a test can SIGKILL this process at exactly that
// step. Without the variables a marker does nothing.

namespace berth {

void PhaseMarker(const char* name);
// Closes this process' marker fds: a monitor that outlives its last phase, so the test sees EOF.
void EndPhaseMarkers();

}  // namespace berth
