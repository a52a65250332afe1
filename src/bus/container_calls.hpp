#pragma once
// The per-container operations that both objects serve: org.berth1.Manager's XxxContainer (the
// name as first argument) and org.berth1.Container's Xxx (the name from the object path). One
// function each: it reads the arguments after the name and submits the work; the objects only
// find the name (and check the caller) and hand it over. Returns what an sd-bus handler returns.
#include <systemd/sd-bus.h>

#include <string>

#include "bus/daemon.hpp"

namespace berth::bus {

using ContainerCall = int (*)(Daemon& daemon, sd_bus_message* m, const std::string& name, sd_bus_error* error);

// Every such operation, one line each: CALL(member, in signature after the name, in names, out
// signature, out names, serve function). Served as org.berth1.Container.<member> and as
// org.berth1.Manager.<member>Container(s name, ...): both objects make their vtable lines from
// this list, so a new operation is its line here and its Serve function in container_calls.cpp.
// Wait replies with the exit status once the container has stopped (Daemon::Wait).
#define BERTH_CONTAINER_CALLS(CALL)                                  \
    CALL("Start", "", "", "", "", ServeStart)                        \
    CALL("Stop", "t", SD_BUS_PARAM(timeout_usec), "", "", ServeStop) \
    CALL("Kill", "i", SD_BUS_PARAM(signal), "", "", ServeKill)       \
    CALL("Pause", "", "", "", "", ServePause)                        \
    CALL("Resume", "", "", "", "", ServeResume)                      \
    CALL("Wait", "", "", "i", SD_BUS_PARAM(exit_status), ServeWait)

#define BERTH_DECLARE_SERVE(member, in, in_names, out, out_names, serve) \
    int serve(Daemon& daemon, sd_bus_message* m, const std::string& name, sd_bus_error* error);
BERTH_CONTAINER_CALLS(BERTH_DECLARE_SERVE)
#undef BERTH_DECLARE_SERVE

}  // namespace berth::bus
