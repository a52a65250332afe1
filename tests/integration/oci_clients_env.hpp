#pragma once
// The real OCI clients (podman with conmon, containerd with its runc shim and ctr) driving an OCI
// runtime, each in a private throwaway environment: podman's storage, run root and containers.conf,
// containerd's config, root, state and socket all live in one temp dir, the containers' cgroups
// under a parent of the environment's own. Destruction removes every container, stops containerd
// and its shims, unmounts and deletes the temp dir and removes the cgroups.
#include <chrono>
#include <string>
#include <vector>

#include "command.hpp"

namespace berth::testing {

// The runtime under test: $BERTH_OCI_RUNTIME (e.g. /usr/bin/runc or /usr/bin/crun, to compare),
// else the berth-runtime of this build.
std::string OciRuntimeUnderTest();

// Why the clients cannot run here ("" when they can): not root, a program missing.
std::string MissingClientPrerequisite(const std::vector<std::string>& programs);

// What an environment leaves behind: processes naming its temp dir, mounts under it, cgroup dirs
// named by its tag. Empty when clean.
struct Leftovers {
    std::vector<std::string> items;
};

class ClientEnv {
public:
    ClientEnv(const ClientEnv&) = delete;
    ClientEnv& operator=(const ClientEnv&) = delete;

    const std::string& Runtime() const { return runtime_; }
    const std::string& TempDir() const { return temp_dir_; }
    // A name unique to this environment (and test process) for containers, netns and cgroups.
    const std::string& Tag() const { return tag_; }
    // A new unique container name.
    std::string UniqueName(const std::string& base);
    // Processes, mounts and cgroups of this environment still present.
    Leftovers FindLeftovers() const;

protected:
    // base_dir: where the temp dir is made ("" = $TMPDIR or /tmp).
    ClientEnv(std::string runtime, const std::string& base_dir);
    ~ClientEnv();
    // Kills processes naming the temp dir, unmounts under it, removes it and the tagged cgroups.
    void RemoveEverything();
    // Builds the busybox rootfs (scripts/make-rootfs) in TempDir()/rootfs.
    std::string MakeRootfs();

private:
    std::string runtime_;
    std::string temp_dir_;
    std::string tag_;
    int counter_ = 0;
};

// podman --root/--runroot/--tmpdir in the temp dir, the cgroupfs (or systemd) manager, file
// events, vfs storage, --runtime RUNTIME, CONTAINERS_CONF of its own; the image (podman import of
// the busybox rootfs) is Image(). For the systemd manager inside the systemd harness, base_dir
// must be visible there (not below /tmp).
class PodmanEnv : public ClientEnv {
public:
    explicit PodmanEnv(std::string runtime, std::string cgroup_manager = "cgroupfs", const std::string& base_dir = "");
    ~PodmanEnv();

    const std::string& Image() const { return image_; }
    // The cgroup parent to pass with --cgroup-parent (cleaned up with the environment).
    std::string CgroupParent() const { return "/" + Tag(); }
    std::vector<std::string> Argv(const std::vector<std::string>& args) const;
    CommandResult Podman(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 120s) const;

private:
    std::string cgroup_manager_;
    std::string conf_;
    std::string image_ = "localhost/berth-busybox:e2e";
};

// A containerd of its own (config, root, state, socket in the temp dir), started by the
// constructor and stopped by the destructor; ctr talks to it in namespace Tag(), the image
// (an OCI archive of the busybox rootfs, imported) is Image().
class ContainerdEnv : public ClientEnv {
public:
    explicit ContainerdEnv(std::string runtime);
    ~ContainerdEnv();

    const std::string& Image() const { return image_; }
    std::string Socket() const { return TempDir() + "/containerd.sock"; }
    // ctr --address SOCKET --namespace TAG ARGS...
    CommandResult Ctr(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 120s) const;
    // The options of `ctr run` that select the runtime, its root and the container's cgroup.
    std::vector<std::string> RunOptions(const std::string& id) const;
    // containerd's log so far (for assertion messages).
    std::string Log() const;

private:
    void Start();
    void Stop();

    std::string image_ = "localhost/berth-busybox:e2e";
    pid_t containerd_pid_ = -1;
};

}  // namespace berth::testing
