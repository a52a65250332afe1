#include "bus/container_calls.hpp"

#include <signal.h>

#include <chrono>

namespace berth::bus {

int ServeStart(Daemon& daemon, sd_bus_message* m, const std::string& name, sd_bus_error*) {
    daemon.Submit(m, name, [name](Engine& engine) { return Outcome{.record = engine.Start(name, {})}; });
    return 1;
}

int ServeStop(Daemon& daemon, sd_bus_message* m, const std::string& name, sd_bus_error*) {
    uint64_t timeout_usec = 0;
    int r = sd_bus_message_read(m, "t", &timeout_usec);
    if (r < 0)
        return r;
    daemon.Submit(m, name, [name, timeout_usec](Engine& engine) {
        return Outcome{.record = engine.Stop(name, std::chrono::microseconds(timeout_usec))};
    });
    return 1;
}

int ServeKill(Daemon& daemon, sd_bus_message* m, const std::string& name, sd_bus_error* error) {
    int32_t signal = 0;
    int r = sd_bus_message_read(m, "i", &signal);
    if (r < 0)
        return r;
    if (signal <= 0 || signal >= _NSIG)
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid signal %d", signal);
    daemon.Submit(m, name, [name, signal](Engine& engine) { return Outcome{.record = engine.Kill(name, signal)}; });
    return 1;
}

int ServePause(Daemon& daemon, sd_bus_message* m, const std::string& name, sd_bus_error*) {
    daemon.Submit(m, name, [name](Engine& engine) { return Outcome{.record = engine.Pause(name)}; });
    return 1;
}

int ServeResume(Daemon& daemon, sd_bus_message* m, const std::string& name, sd_bus_error*) {
    daemon.Submit(m, name, [name](Engine& engine) { return Outcome{.record = engine.Resume(name)}; });
    return 1;
}

int ServeWait(Daemon& daemon, sd_bus_message* m, const std::string& name, sd_bus_error*) {
    daemon.Wait(m, name);
    return 1;
}

}  // namespace berth::bus
