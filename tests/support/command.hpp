#pragma once
// Running a command from a test: argv to completion with stdin fed and stdout/stderr captured, or
// in the background. Shared by the systemd harness (tests/harness) and the integration fixture.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "util/fd.hpp"

namespace berth::testing {

using namespace std::chrono_literals;

struct CommandResult {
    int exit_code = -1;  // exit status, or 128+N when the command was killed by signal N
    std::string out;
    std::string err;
    bool timed_out = false;  // the safety timeout fired and the command was killed
};

// Prints a result for assertion messages: exit code, stdout and stderr.
std::string Describe(const CommandResult& result);

// A waitpid() status as an exit code: the status, or 128+N when killed by signal N.
int ExitCodeOf(int wait_status);

// The non-empty lines of text.
std::vector<std::string> SplitLines(const std::string& text);

// A command (argv[0] looked up in PATH) started in the background in its own process group, with
// stdin fed from stdin_data (then EOF) and stdout/stderr captured through pipes.
class RunningCommand {
public:
    RunningCommand(const std::vector<std::string>& argv, const std::string& stdin_data);
    RunningCommand(const RunningCommand&) = delete;
    RunningCommand& operator=(const RunningCommand&) = delete;
    // Kills (SIGKILL, its whole process group) and reaps the command if it is still running.
    ~RunningCommand();

    pid_t Pid() const { return pid_; }
    void Signal(int sig);
    // Reads output until stdout contains `text`; false if the command ends or the timeout passes first.
    bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout = 30s);
    // Waits for the command to exit (SIGKILL to its process group after the safety timeout).
    // Output left open by grandchildren (a detached container) does not keep this waiting.
    CommandResult Wait(std::chrono::milliseconds timeout = 60s);
    const std::string& OutSoFar() const { return out_; }

private:
    // One poll round over the pipes and the pidfd; returns false once the process has exited.
    bool Pump(int timeout_ms);
    void Drain();
    void KillAndReap();

    pid_t pid_ = -1;
    UniqueFd pidfd_;
    UniqueFd in_fd_;
    UniqueFd out_fd_;
    UniqueFd err_fd_;
    std::string stdin_data_;
    size_t written_ = 0;
    bool exited_ = false;
    int status_ = 0;
    std::string out_;
    std::string err_;
};

// Runs argv to completion, feeding stdin_data (then EOF) and capturing stdout/stderr.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                         std::chrono::milliseconds timeout = 60s);

}  // namespace berth::testing
