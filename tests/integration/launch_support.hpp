#pragma once
// In-process support for the launcher's integration tests: containers started with
// berth::launch::Launch directly (no berthctl), a minimal pids-cgroup driver, and output capture.
#include <sys/types.h>

#include <string>
#include <vector>

#include "cgroup/driver.hpp"
#include "config/model.hpp"
#include "launch/launcher.hpp"

namespace berth::testing {

// A small cgroupfs driver on the v1 pids hierarchy, so these tests do not depend on the cgroup
// layer: Create = mkdir + move, Destroy = SIGKILL everything + rmdir.
class TestCgroupDriver : public cgroup::Driver {
public:
    std::string Name() const override { return "test"; }
    cgroup::Placement Create(const std::string& container, pid_t pid, const config::Resources&) override;
    void Attach(const cgroup::Placement& placement, pid_t pid) override;
    void Update(const cgroup::Placement&, const config::Resources&) override {}
    void Freeze(const cgroup::Placement&) override {}
    void Thaw(const cgroup::Placement&) override {}
    bool IsFrozen(const cgroup::Placement&) override { return false; }
    std::vector<pid_t> Pids(const cgroup::Placement& placement) override;
    cgroup::Stats ReadStats(const cgroup::Placement&) override { return {}; }
    void Destroy(const cgroup::Placement& placement) override;
    int created = 0;
};

// The root of the hierarchy TestCgroupDriver uses.
std::string TestCgroupRoot();

struct Outcome {
    int exit_code = -1;  // 128+N when killed by signal N
    std::string out, err;
};

// Runs a container to completion with stdin_data on its stdin; output captured. The cgroup is
// destroyed afterwards.
Outcome RunToCompletion(const config::ContainerConfig& config, cgroup::Driver& driver, const std::string& id,
                        const std::string& stdin_data = "");

// A container left running for exec/signal tests; killed, reaped and its cgroup destroyed on
// destruction.
class RunningContainer {
public:
    RunningContainer(const config::ContainerConfig& config, cgroup::Driver& driver, const std::string& id);
    ~RunningContainer();
    launch::Launched& Get() { return launched_; }
    // Reads stdout until it contains text (false on EOF or after 20 s).
    bool WaitForOutput(const std::string& text);
    // Waits for the init to exit: exit code or 128+signal.
    int Wait();
    std::string out;

private:
    cgroup::Driver& driver_;
    launch::Launched launched_;
    int out_fd_ = -1;
    bool reaped_ = false;
};

// A busybox rootfs (bin/ with the applet links, proc, dev, sys, tmp, etc, root) made with system
// calls only: much faster than one `ln` per applet.
void MakeQuickBusyboxRootfs(const std::string& dir);

// Reads an fd to EOF (or EIO for a pty master).
std::string ReadAll(int fd);

}  // namespace berth::testing
