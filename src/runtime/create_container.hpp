#pragma once
// create's work, shared with run: bundle -> model, the init launched and waiting at its start gate
// (prestart, createRuntime and createContainer hooks run during its setup, before pivot_root),
// oci.json, oomScoreAdj, the console socket, the pid file.
#include <string>

#include "manager/manager.hpp"
#include "runtime/verb.hpp"

namespace berth::runtime {

struct CreateRequest {
    std::string id;
    std::string bundle = ".";
    std::string pid_file;
    std::string console_socket;
    unsigned preserve_fds = 0;  // the caller's fds 3..3+N-1 passed to the container's process
    bool foreground = false;  // run without --detach: the caller stays with the container
};

// Any failure leaves nothing behind (the container deleted, its cgroup gone).
manager::Container CreateContainer(const GlobalOptions& global, manager::Manager& manager, const CreateRequest& request);
// start's work, shared with run: releases the init (which runs the startContainer hooks, then
// execs; a failing hook fails start), then runs the poststart hooks (a failing one is only logged,
// as the spec says).
void StartContainer(const GlobalOptions& global, manager::Manager& manager, const std::string& id);
// Takes the create/run options common to both verbs; false when `name` is none of them.
bool TakeCreateOption(class OptionParser& options, CreateRequest& request);

}  // namespace berth::runtime
