#include "oci_clients_env.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "fixture.hpp"
#include "read_text.hpp"

#ifndef BERTH_TEST_RUNTIME
#define BERTH_TEST_RUNTIME "berth-runtime"
#endif
#ifndef BERTH_TEST_SOURCE_ROOT
#define BERTH_TEST_SOURCE_ROOT "."
#endif

namespace berth::testing {
namespace {

void WriteText(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out.flush())
        throw std::runtime_error("cannot write " + path);
}

// Runs a setup command; throws with its output when it fails.
void MustRun(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 120s) {
    CommandResult r = RunCommand(argv, "", timeout);
    if (r.exit_code != 0) {
        std::string line;
        for (const std::string& a : argv)
            line += a + " ";
        throw std::runtime_error("setup command failed: " + line + "\n" + Describe(r));
    }
}

bool IsExecutable(const std::string& program) {
    if (program.find('/') != std::string::npos)
        return ::access(program.c_str(), X_OK) == 0;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos)
            end = dirs.size();
        if (::access((dirs.substr(start, end - start) + "/" + program).c_str(), X_OK) == 0)
            return true;
        start = end + 1;
    }
    return false;
}

// Pids whose command line mentions `needle` (conmon, shims, containerd, container processes
// started from a bundle below it), except ourselves.
std::vector<pid_t> ProcessesMentioning(const std::string& needle) {
    std::vector<pid_t> pids;
    DIR* d = ::opendir("/proc");
    if (!d)
        return pids;
    while (dirent* e = ::readdir(d)) {
        pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
        if (pid <= 0 || pid == ::getpid())
            continue;
        std::string cmdline = ReadText("/proc/" + std::to_string(pid) + "/cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (cmdline.find(needle) != std::string::npos)
            pids.push_back(pid);
    }
    ::closedir(d);
    return pids;
}

// Removes cgroup dirs with everything below them (conmon's "conmon" child too), bottom up; their
// processes are gone by now.
void RemoveCgroupTrees(const std::vector<std::string>& dirs) {
    for (const std::string& dir : dirs)
        RunCommand({"find", dir, "-depth", "-type", "d", "-exec", "rmdir", "{}", "+"});
}

std::string TempBase(const std::string& base_dir) {
    if (!base_dir.empty())
        return base_dir;
    const char* base = std::getenv("TMPDIR");
    return base && *base ? base : "/tmp";
}

}  // namespace

std::string OciRuntimeUnderTest() {
    const char* chosen = std::getenv("BERTH_OCI_RUNTIME");
    return chosen && *chosen ? chosen : BERTH_TEST_RUNTIME;
}

std::string MissingClientPrerequisite(const std::vector<std::string>& programs) {
    if (::geteuid() != 0)
        return "the OCI client tests need root";
    for (const std::string& program : programs)
        if (!IsExecutable(program))
            return program + " is not installed (scripts/setup installs it)";
    return "";
}

ClientEnv::ClientEnv(std::string runtime, const std::string& base_dir) : runtime_(std::move(runtime)) {
    std::string pattern = TempBase(base_dir) + "/berth-oci-e2e-XXXXXX";
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("mkdtemp " + pattern + " failed");
    temp_dir_ = pattern;
    ::chmod(temp_dir_.c_str(), 0755);
    tag_ = "berthe2e" + std::to_string(::getpid()) + temp_dir_.substr(temp_dir_.size() - 6);
    std::transform(tag_.begin(), tag_.end(), tag_.begin(), [](unsigned char c) { return std::tolower(c); });
}

ClientEnv::~ClientEnv() { RemoveEverything(); }

std::string ClientEnv::UniqueName(const std::string& base) {
    return tag_ + "-" + std::to_string(++counter_) + "-" + base;
}

std::string ClientEnv::MakeRootfs() {
    std::string rootfs = temp_dir_ + "/rootfs";
    MakeBusyboxRootfs(rootfs);
    return rootfs;
}

Leftovers ClientEnv::FindLeftovers() const {
    Leftovers left;
    for (pid_t pid : ProcessesMentioning(temp_dir_)) {
        std::string cmdline = ReadText("/proc/" + std::to_string(pid) + "/cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        left.items.push_back("process " + std::to_string(pid) + ": " + cmdline);
    }
    for (pid_t pid : ProcessesInCgroupsContaining(tag_))
        left.items.push_back("process in a cgroup of " + tag_ + ": " + std::to_string(pid));
    for (const std::string& mount : MountsUnder(temp_dir_))
        left.items.push_back("mount " + mount);
    return left;
}

void ClientEnv::RemoveEverything() {
    if (temp_dir_.empty())
        return;
    for (int round = 0; round < 20; ++round) {
        std::vector<pid_t> pids = ProcessesMentioning(temp_dir_);
        std::vector<pid_t> in_cgroups = ProcessesInCgroupsContaining(tag_);
        pids.insert(pids.end(), in_cgroups.begin(), in_cgroups.end());
        if (pids.empty())
            break;
        for (pid_t pid : pids)
            ::kill(pid, SIGKILL);
        std::this_thread::sleep_for(50ms);
    }
    std::vector<std::string> mounts = MountsUnder(temp_dir_);
    std::sort(mounts.begin(), mounts.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const std::string& mount : mounts)
        ::umount2(mount.c_str(), MNT_DETACH);
    RunCommand({"rm", "-rf", "--one-file-system", temp_dir_});
    RemoveCgroupTrees(CgroupDirsContaining(tag_));
    temp_dir_.clear();
}

// --- podman ------------------------------------------------------------------------------

PodmanEnv::PodmanEnv(std::string runtime, std::string cgroup_manager, const std::string& base_dir)
    : ClientEnv(std::move(runtime), base_dir), cgroup_manager_(std::move(cgroup_manager)) {
    conf_ = TempDir() + "/containers.conf";
    // nofile/nproc at most the host's (CAP_SYS_RESOURCE is not ours); no registry is reachable.
    WriteText(conf_,
              "[containers]\n"
              "default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n"
              "[engine]\n"
              "cgroup_manager = \"" + cgroup_manager_ + "\"\n"
              "events_logger = \"file\"\n"
              "events_logfile_path = \"" + TempDir() + "/events.log\"\n");
    std::string rootfs = MakeRootfs();
    std::string tarball = TempDir() + "/busybox.tar";
    MustRun({"tar", "-C", rootfs, "-cf", tarball, "."});
    MustRun(Argv({"import", tarball, image_}));
}

PodmanEnv::~PodmanEnv() {
    Podman({"rm", "--all", "--force", "--time", "0"});
    RemoveEverything();
}

std::vector<std::string> PodmanEnv::Argv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {
        "env", "CONTAINERS_CONF=" + conf_, "podman",
        "--root", TempDir() + "/storage", "--runroot", TempDir() + "/run", "--tmpdir", TempDir() + "/libpod",
        "--storage-driver", "vfs", "--cgroup-manager", cgroup_manager_, "--events-backend", "file",
        "--runtime", Runtime(),
    };
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

CommandResult PodmanEnv::Podman(const std::vector<std::string>& args, std::chrono::milliseconds timeout) const {
    return RunCommand(Argv(args), "", timeout);
}

// --- containerd ----------------------------------------------------------------------------

ContainerdEnv::ContainerdEnv(std::string runtime) : ClientEnv(std::move(runtime), "") {
    Start();
    std::string rootfs = MakeRootfs();
    std::string archive = TempDir() + "/busybox-oci.tar";
    MustRun({std::string(BERTH_TEST_SOURCE_ROOT) + "/tests/integration/make-oci-archive", rootfs, archive, image_});
    CommandResult imported = Ctr({"image", "import", archive});
    if (imported.exit_code != 0)
        throw std::runtime_error("ctr image import failed:\n" + Describe(imported));
}

ContainerdEnv::~ContainerdEnv() {
    CommandResult tasks = Ctr({"task", "list", "--quiet"}, 30s);
    for (const std::string& id : SplitLines(tasks.out)) {
        Ctr({"task", "kill", "--signal", "SIGKILL", id}, 30s);
        Ctr({"task", "delete", "--force", id}, 30s);
    }
    for (const std::string& id : SplitLines(Ctr({"container", "list", "--quiet"}, 30s).out))
        Ctr({"container", "delete", id}, 30s);
    Stop();
    RemoveEverything();
}

void ContainerdEnv::Start() {
    const std::string& dir = TempDir();
    std::string config = dir + "/config.toml";
    WriteText(config,
              "version = 2\n"
              "root = \"" + dir + "/root\"\n"
              "state = \"" + dir + "/state\"\n"
              "disabled_plugins = [\"io.containerd.grpc.v1.cri\", \"io.containerd.snapshotter.v1.btrfs\",\n"
              "  \"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\",\n"
              "  \"io.containerd.snapshotter.v1.aufs\"]\n"
              "[grpc]\n  address = \"" + Socket() + "\"\n"
              "[ttrpc]\n  address = \"" + Socket() + ".ttrpc\"\n"
              "[debug]\n  address = \"" + dir + "/debug.sock\"\n"
              "[metrics]\n  address = \"\"\n");
    containerd_pid_ = ::fork();
    if (containerd_pid_ < 0)
        throw std::runtime_error("fork for containerd failed");
    if (containerd_pid_ == 0) {
        std::string log = dir + "/containerd.log";
        std::FILE* out = std::freopen(log.c_str(), "w", stdout);
        if (out)
            ::dup2(::fileno(out), 2);
        ::execlp("containerd", "containerd", "--config", config.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (Ctr({"version"}, 10s).exit_code == 0)
            return;
        int status;
        if (::waitpid(containerd_pid_, &status, WNOHANG) == containerd_pid_) {
            containerd_pid_ = -1;
            throw std::runtime_error("containerd exited at start:\n" + Log());
        }
        std::this_thread::sleep_for(100ms);
    }
    throw std::runtime_error("containerd did not answer on " + Socket() + " within 60 s:\n" + Log());
}

void ContainerdEnv::Stop() {
    if (containerd_pid_ <= 0)
        return;
    ::kill(containerd_pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + 20s;
    int status;
    while (::waitpid(containerd_pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(containerd_pid_, SIGKILL);
            ::waitpid(containerd_pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(50ms);
    }
    containerd_pid_ = -1;
}

std::string ContainerdEnv::Log() const { return ReadText(TempDir() + "/containerd.log"); }

CommandResult ContainerdEnv::Ctr(const std::vector<std::string>& args, std::chrono::milliseconds timeout) const {
    std::vector<std::string> argv = {"ctr", "--address", Socket(), "--namespace", Tag()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, "", timeout);
}

std::vector<std::string> ContainerdEnv::RunOptions(const std::string& id) const {
    return {"--runc-binary", Runtime(), "--runc-root", TempDir() + "/runtime-root", "--cgroup", "/" + Tag() + "/" + id};
}

}  // namespace berth::testing
