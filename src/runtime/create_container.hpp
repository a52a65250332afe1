#pragma once
// create's work, shared with run: bundle -> model, the init launched and waiting at its start gate,
// oci.json, oomScoreAdj, the console socket, prestart/createRuntime hooks, the pid file.
#include <string>

#include "manager/manager.hpp"
#include "runtime/verb.hpp"

namespace berth::runtime {

struct CreateRequest {
    std::string id;
    std::string bundle = ".";
    std::string pid_file;
    std::string console_socket;
    bool foreground = false;  // run without --detach: the caller stays with the container
};

// Any failure leaves nothing behind (the container deleted, its cgroup gone).
manager::Container CreateContainer(const GlobalOptions& global, manager::Manager& manager, const CreateRequest& request);
// start's work, shared with run: releases the init, then runs the poststart hooks (a failing one is
// only logged, as the spec says).
void StartContainer(const GlobalOptions& global, manager::Manager& manager, const std::string& id);
// Takes the create/run options common to both verbs; false when `name` is none of them.
bool TakeCreateOption(class OptionParser& options, CreateRequest& request);

}  // namespace berth::runtime
