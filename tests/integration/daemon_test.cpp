// berthd through the real system bus of the systemd harness: the org.berth1 API with busctl, its
// policy, its signals, re-adoption after kill -9, corrupt state, many containers in parallel, and
// berth@.service. Each test runs its own berthd (a transient unit) on its own state dir.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "berthd_test.hpp"
#include "systemd_harness.hpp"
#include "util/file.hpp"

namespace berth::harness {
namespace {

using namespace std::chrono_literals;

const std::string kSourceRoot = BERTH_TEST_SOURCE_ROOT;
const std::string kBerthd = BERTH_TEST_BERTHD;
const std::string kBerthctl = BERTH_TEST_BERTHCTL;
const std::string kManager[] = {"org.berth1", "/org/berth1", "org.berth1.Manager"};

// Everything until EOF on fd, which is closed.
std::string ReadAllAndClose(int fd) {
    std::string text;
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        text.append(buf, static_cast<size_t>(n));
    close(fd);
    return text;
}

// The members (method, signal, property blocks) of one interface in introspection XML, whitespace
// and comments normalized, sorted: order is not part of the API.
std::vector<std::string> InterfaceMembers(std::string xml, const std::string& interface) {
    xml = std::regex_replace(xml, std::regex("<!--[\\s\\S]*?-->"), "");
    xml = std::regex_replace(xml, std::regex("\\s+"), " ");
    xml = std::regex_replace(xml, std::regex("> <"), "><");
    std::smatch block;
    if (!std::regex_search(xml, block, std::regex("<interface name=\"" + interface + "\">(.*?)</interface>")))
        return {};
    std::vector<std::string> members;
    std::string body = block[1];
    std::regex member("<(method|signal|property)\\b[^>]*?(/>|>.*?</\\1>)");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), member); it != std::sregex_iterator(); ++it)
        members.push_back(it->str());
    std::sort(members.begin(), members.end());
    return members;
}

class DaemonTest : public BerthdTest {
protected:
    void SetUp() override {
        SystemdHarnessTest::SetUp();
        if (IsSkipped())
            return;
        PrepareDirs("daemon", {kSourceRoot + "/dbus/org.berth1.conf",
                               kSourceRoot + "/tests/integration/dbus-short-auth-timeout.conf"});
        if (HasFatalFailure())
            return;
        MakeDirs(dir_ + "/state");
        WriteConfig("sleeper", "[\"/bin/sh\", \"-c\", \"trap 'exit 7' TERM; echo sleeper up; while :; do sleep 0.1; done\"]");
        WriteConfig("quick", "[\"/bin/sh\", \"-c\", \"exit 3\"]");
        StartBerthd();
    }

    void TearDown() override {
        if (IsSkipped() || dir_.empty())
            return;
        for (const auto& name : ListNames())
            Call("RemoveContainer", "sb", {name, "true"});
        StopBerthd();
        std::vector<std::string> left;
        if (auto dir = opendir((dir_ + "/state").c_str())) {
            while (auto* entry = readdir(dir))
                if (entry->d_name[0] != '.')
                    left.emplace_back(entry->d_name);
            closedir(dir);
        }
        EXPECT_TRUE(left.empty()) << "state left behind: " << left.front();
    }

    void WriteConfig(const std::string& name, const std::string& args) {
        WriteFileAtomic(dir_ + "/conf/" + name + ".toml",
                        "rootfs = \"" + rootfs_ + "\"\nstop_timeout = \"5s\"\n[process]\nargs = " + args + "\n");
    }

    void StartBerthd(const std::string& state_dir = "") {
        StartBerthdUnit("berthd-test", state_dir.empty() ? dir_ + "/state" : state_dir);
    }
    void StopBerthd() { StopBerthdUnit(); }

    CommandResult Call(const std::string& method, const std::string& signature, const std::vector<std::string>& args,
                       const std::vector<std::string>& prefix = {}) {
        std::vector<std::string> argv = prefix;
        argv.insert(argv.end(), {"busctl", "--", "call", kManager[0], kManager[1], kManager[2], method});
        if (!signature.empty())
            argv.push_back(signature);
        argv.insert(argv.end(), args.begin(), args.end());
        return Run(argv);
    }

    // The D-Bus error name of a failing Manager call (busctl prints only the message); args in
    // GVariant text ("'web'", "{}").
    std::string ErrorNameOf(const std::string& method, const std::vector<std::string>& gvariant_args) {
        std::vector<std::string> argv = {"gdbus", "call", "--system", "--dest", "org.berth1", "--object-path",
                                         "/org/berth1", "--method", std::string("org.berth1.Manager.") + method};
        argv.insert(argv.end(), gvariant_args.begin(), gvariant_args.end());
        auto r = Run(argv);
        std::smatch m;
        if (std::regex_search(r.err, m, std::regex("GDBus\\.Error:([A-Za-z0-9_.]+)")))
            return m[1];
        return "(no error: " + Describe(r) + ")";
    }

    // Calls ExecContainer from this (host) process over the harness' bus socket with a pipe as
    // stdout; returns the pid and everything the command wrote.
    std::pair<uint32_t, std::string> ExecThroughBus(const std::string& name, const std::vector<std::string>& argv) {
        sd_bus* bus = nullptr;
        EXPECT_GE(sd_bus_new(&bus), 0);
        std::string address = "unix:path=/proc/" + std::to_string(Harness().Pid()) + "/root/run/dbus/system_bus_socket";
        sd_bus_set_address(bus, address.c_str());
        sd_bus_set_bus_client(bus, 1);
        int r = sd_bus_start(bus);
        EXPECT_GE(r, 0) << strerror(-r);
        int fds[2];
        EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
        sd_bus_message* call = nullptr;
        sd_bus_message_new_method_call(bus, &call, "org.berth1", "/org/berth1", "org.berth1.Manager", "ExecContainer");
        sd_bus_message_append(call, "s", name.c_str());
        sd_bus_message_open_container(call, 'a', "s");
        for (const auto& a : argv)
            sd_bus_message_append(call, "s", a.c_str());
        sd_bus_message_close_container(call);
        sd_bus_message_append(call, "ashhh", 0, fds[1], fds[1], fds[1]);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message* reply = nullptr;
        r = sd_bus_call(bus, call, 30 * 1000 * 1000, &error, &reply);
        EXPECT_GE(r, 0) << (error.message ? error.message : strerror(-r));
        uint32_t pid = 0;
        if (r >= 0)
            sd_bus_message_read(reply, "u", &pid);
        close(fds[1]);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(call);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return {pid, ReadAllAndClose(fds[0])};
    }

    std::vector<std::string> ListNames() {
        auto r = Call("ListContainers", "", {});
        std::vector<std::string> names;
        std::regex entry("\"([^\"]+)\" \"[^\"]*\" \"[^\"]*\" \"/org/berth1/container/[^\"]*\"");
        for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), entry); it != std::sregex_iterator(); ++it)
            names.push_back((*it)[1]);
        return names;
    }

    void CreateAndStart(const std::string& name, const std::string& config = "sleeper") {
        // Overrides carry the configuration of another name (Args) to show a{sv} works.
        auto r = Call("CreateContainer", "ssa{sv}", {name, ReadFile(dir_ + "/conf/" + config + ".toml"), "0"});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
        ASSERT_EQ(Trim(r.out), "o \"/org/berth1/container/" + name + "\"");
        r = Call("StartContainer", "s", {name});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
    }
    // The pid of the parent of the init behind a Leader property ("u PID"): berthd's monitor.
    std::string ParentPid(const std::string& leader_property) {
        return Trim(RunShell("awk '/^PPid:/{print $2}' /proc/" + leader_property.substr(2) + "/status").out);
    }
    std::string CommandLineOf(const std::string& pid) {
        return Trim(RunShell("tr '\\0' ' ' < /proc/" + pid + "/cmdline").out);
    }
};

TEST_F(DaemonTest, IntrospectionMatchesTheInstalledXml) {
    CreateAndStart("introspected");
    auto manager = Run({"busctl", "introspect", "--xml-interface", "org.berth1", "/org/berth1"});
    ASSERT_EQ(manager.exit_code, 0) << Describe(manager);
    auto container =
        Run({"busctl", "introspect", "--xml-interface", "org.berth1", "/org/berth1/container/introspected"});
    ASSERT_EQ(container.exit_code, 0) << Describe(container);
    auto manager_xml = ReadFile(kSourceRoot + "/dbus/org.berth1.Manager.xml");
    auto container_xml = ReadFile(kSourceRoot + "/dbus/org.berth1.Container.xml");
    auto live_manager = InterfaceMembers(manager.out, "org.berth1.Manager");
    auto live_container = InterfaceMembers(container.out, "org.berth1.Container");
    EXPECT_EQ(live_manager.size(), 28u);
    EXPECT_EQ(live_container.size(), 19u);
    EXPECT_EQ(live_manager, InterfaceMembers(manager_xml, "org.berth1.Manager"));
    EXPECT_EQ(live_container, InterfaceMembers(container_xml, "org.berth1.Container"));
}

TEST_F(DaemonTest, LifecycleMethodsAndProperties) {
    auto r = Call("CreateContainer", "ssa{sv}", {"web", "", "1", "Hostname", "s", "webhost"});
    ASSERT_EQ(r.exit_code, 1) << "no web.toml on the search path, so Create must fail: " << Describe(r);
    EXPECT_EQ(ErrorNameOf("CreateContainer", {"web", "", "{}"}),
              "org.berth1.Error.InvalidConfig");
    WriteConfig("web", "[\"/bin/sh\", \"-c\", \"trap 'exit 7' TERM; while :; do sleep 0.1; done\"]");
    r = Call("CreateContainer", "ssa{sv}", {"web", "", "1", "Hostname", "s", "webhost"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("web", "State"), "s \"created\"");
    EXPECT_EQ(Property("web", "Name"), "s \"web\"");
    EXPECT_EQ(Property("web", "Id"), "s \"web\"");
    EXPECT_EQ(Property("web", "Rootfs"), "s \"" + rootfs_ + "\"");
    EXPECT_EQ(Property("web", "Leader"), "u 0");
    EXPECT_EQ(Property("web", "ExitStatus"), "i -1");
    EXPECT_EQ(Property("web", "NetworkNamespace"), "s \"\"");
    EXPECT_NE(Property("web", "CreatedTimestamp"), "t 0");
    EXPECT_EQ(Run({"busctl", "call", "org.berth1", "/org/berth1", "org.berth1.Manager", "GetContainer", "s", "web"}).out,
              "o \"/org/berth1/container/web\"\n");
    EXPECT_EQ(ErrorNameOf("CreateContainer", {"web", "", "{}"}),
              "org.berth1.Error.ContainerExists");

    // The Container object's own methods.
    r = Run({"busctl", "call", "org.berth1", "/org/berth1/container/web", "org.berth1.Container", "Start"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("web", "State"), "s \"running\"");
    std::string leader = Property("web", "Leader").substr(2);
    ASSERT_NE(leader, "0");
    EXPECT_EQ(Run({"test", "-d", "/proc/" + leader}).exit_code, 0) << "the Leader property names a live process";
    auto unit = Property("web", "Unit");
    if (unit != "s \"\"") {
        EXPECT_EQ(unit, "s \"berth-web.scope\"");
    }
    EXPECT_EQ(ErrorNameOf("StartContainer", {"web"}), "org.berth1.Error.InvalidState");

    r = Call("PauseContainer", "s", {"web"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("web", "State"), "s \"paused\"");
    r = Call("ResumeContainer", "s", {"web"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("web", "State"), "s \"running\"");
    r = Call("UpdateContainer", "sa{sv}", {"web", "1", "TasksMax", "t", "200"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(ErrorNameOf("UpdateContainer", {"web", "{'Bogus': <uint64 1>}"}),
              "org.berth1.Error.InvalidConfig");

    // Exec with our own pipe as stdout (busctl cannot pass fds): sd-bus on the harness' bus socket.
    auto [exec_pid, exec_out] = ExecThroughBus("web", {"/bin/sh", "-c", "echo exec-ok; echo $$ > /dev/null"});
    EXPECT_GT(exec_pid, 0u);
    EXPECT_EQ(exec_out, "exec-ok\n");

    r = Run({"busctl", "call", "org.berth1", "/org/berth1/container/web", "org.berth1.Container", "Stop", "t",
             "0"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("web", "State"), "s \"stopped\"");
    EXPECT_EQ(Property("web", "ExitStatus"), "i 7") << "SIGTERM makes the container's trap exit 7";
    EXPECT_EQ(Property("web", "Leader"), "u 0");

    r = Call("RemoveContainer", "sb", {"web", "false"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(ErrorNameOf("GetContainer", {"web"}), "org.berth1.Error.NoSuchContainer");
    EXPECT_FALSE(PathExists(dir_ + "/state/web"));
}

TEST_F(DaemonTest, RunContainerCreatesAndStartsInOneCallOrLeavesNothing) {
    WriteConfig("quick", "[\"/bin/sh\", \"-c\", \"exit 3\"]");
    auto r = Call("RunContainer", "ssa{sv}", {"quick", "", "0"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Trim(r.out), "o \"/org/berth1/container/quick\"");
    // The reply comes after the monitor recorded the exit of an init that ended at once.
    EXPECT_EQ(Property("quick", "State"), "s \"stopped\"");
    EXPECT_EQ(Property("quick", "ExitStatus"), "i 3");

    WriteConfig("long", "[\"sleep\", \"1000\"]");
    r = Call("RunContainer", "ssa{sv}", {"long", "", "1", "Hostname", "s", "runhost"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("long", "State"), "s \"running\"");
    std::string leader = Property("long", "Leader").substr(2);
    EXPECT_EQ(Trim(Run({"cat", "/proc/" + leader + "/comm"}).out), "sleep");
    EXPECT_EQ(Trim(Run({"nsenter", "-t", leader, "-u", "hostname"}).out), "runhost");
    EXPECT_EQ(ErrorNameOf("RunContainer", {"long", "", "{}"}), "org.berth1.Error.ContainerExists");

    // A start that fails removes what the call created: no object, state, unit or cgroup.
    WriteConfig("broken", "[\"/no/such/program\"]");
    r = Call("RunContainer", "ssa{sv}", {"broken", "", "0"});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("/no/such/program"), std::string::npos) << r.err;
    EXPECT_EQ(ErrorNameOf("GetContainer", {"broken"}), "org.berth1.Error.NoSuchContainer");
    EXPECT_FALSE(PathExists(dir_ + "/state/broken"));
    EXPECT_EQ(Run({"systemctl", "list-units", "--all", "--no-legend", "berth-broken.scope"}).out, "");

    for (const char* name : {"quick", "long"}) {
        r = Call("RemoveContainer", "sb", {name, "true"});
        EXPECT_EQ(r.exit_code, 0) << Describe(r);
    }
}

// Issue 19 item 5: overrides are checked with the files' schema before anything is stored: each bad
// one is an InvalidConfig error naming its key, and leaves no object, state dir, unit or cgroup.
TEST_F(DaemonTest, CreateContainerRejectsBadOverridesNamingTheKeyAndLeavesNothing) {
    struct Bad {
        std::string key;     // the override (D-Bus key)
        std::string named;   // what the error must mention (the key in the files' TOML)
        std::vector<std::string> busctl;  // its a{sv} entry in busctl's syntax
        std::string gvariant;             // the same for gdbus
    };
    const std::vector<Bad> bad = {
        {"Args", "process.args", {"Args", "as", "0"}, "{'Args': <@as []>}"},
        {"Args", "process.args", {"Args", "as", "1", ""}, "{'Args': <['']>}"},
        {"Cwd", "process.cwd", {"Cwd", "s", "relative/dir"}, "{'Cwd': <'relative/dir'>}"},
        {"Env", "process.env", {"Env", "as", "1", "NOEQUALS"}, "{'Env': <['NOEQUALS']>}"},
        {"Hostname", "hostname", {"Hostname", "s", "bad host/name"}, "{'Hostname': <'bad host/name'>}"},
        {"Rootfs", "rootfs", {"Rootfs", "s", "relative/rootfs"}, "{'Rootfs': <'relative/rootfs'>}"},
    };
    int n = 0;
    for (const Bad& b : bad) {
        std::string name = "badover" + std::to_string(++n);
        SCOPED_TRACE(b.key + " (" + name + ")");
        WriteConfig(name, "[\"sleep\", \"1000\"]");  // valid on its own: only the override is bad
        std::vector<std::string> args = {name, "", "1"};
        args.insert(args.end(), b.busctl.begin(), b.busctl.end());
        auto r = Call("CreateContainer", "ssa{sv}", args);
        EXPECT_NE(r.exit_code, 0) << Describe(r);
        EXPECT_NE(r.err.find(b.named), std::string::npos) << "the error does not name " << b.named << ": " << r.err;
        EXPECT_EQ(ErrorNameOf("CreateContainer", {"'" + name + "'", "''", b.gvariant}), "org.berth1.Error.InvalidConfig");
        EXPECT_EQ(ErrorNameOf("GetContainer", {"'" + name + "'"}), "org.berth1.Error.NoSuchContainer");
        EXPECT_FALSE(PathExists(dir_ + "/state/" + name)) << "a state dir was left";
        EXPECT_EQ(Run({"systemctl", "list-units", "--all", "--no-legend", "berth-" + name + ".scope"}).out, "");
        EXPECT_EQ(Run({"find", "/sys/fs/cgroup", "-name", "*" + name + "*"}).out, "") << "a cgroup was left";
    }
    EXPECT_EQ(ListNames(), std::vector<std::string>{});
}

// Issue 19 item 2: UpdateContainer checks the minimum memory limit run checks, and changes nothing
// when it is not met.
TEST_F(DaemonTest, UpdateContainerRefusesAMemoryLimitBelowTheMinimumAndChangesNothing) {
    CreateAndStart("small");
    auto ok = Call("UpdateContainer", "sa{sv}", {"small", "1", "MemoryMax", "t", "67108864"});
    ASSERT_EQ(ok.exit_code, 0) << Describe(ok);
    auto r = Call("UpdateContainer", "sa{sv}", {"small", "1", "MemoryMax", "t", "1"});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("memory_max"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("8M"), std::string::npos) << r.err;
    EXPECT_EQ(ErrorNameOf("UpdateContainer", {"'small'", "{'MemoryMax': <@t 1>}"}), "org.berth1.Error.InvalidConfig");
    EXPECT_EQ(Property("small", "State"), "s \"running\"");
    auto stats = Call("GetContainerStats", "s", {"small"});
    EXPECT_NE(stats.out.find("\"MemoryMax\" t 67108864"), std::string::npos) << Describe(stats);
}

TEST_F(DaemonTest, KillReportsTheExitStatus) {
    CreateAndStart("victim");
    bool logged = false;
    for (int i = 0; i < 300 && !logged; ++i, std::this_thread::sleep_for(100ms))
        logged = Run({"journalctl", "CONTAINER_NAME=victim", "--no-pager"}).out.find("sleeper up") != std::string::npos;
    EXPECT_TRUE(logged) << "a detached container's stdout is in the journal with CONTAINER_NAME=";
    auto r = Call("KillContainer", "si", {"victim", "9"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(WaitForProperty("victim", "ExitStatus", "i 137")) << Property("victim", "ExitStatus");
    EXPECT_EQ(Property("victim", "State"), "s \"stopped\"");
    EXPECT_EQ(ErrorNameOf("KillContainer", {"nosuch", "9"}), "org.berth1.Error.NoSuchContainer");
}

TEST_F(DaemonTest, SignalsAnnounceEveryChange) {
    std::string log = dir_ + "/monitor.log";
    // busctl monitor in the background; its "Monitoring" line says the match is in place.
    auto r = RunShell("busctl monitor --match=\"type='signal',sender='org.berth1'\" > " + log + " 2>&1 & echo $! > " +
                      dir_ + "/monitor.pid; for i in $(seq 100); do grep -q Monitoring " + log +
                      " 2>/dev/null && exit 0; sleep 0.1; done; exit 1");
    ASSERT_EQ(r.exit_code, 0) << Describe(r) << ReadFileIfExists(log).value_or("");
    CreateAndStart("noisy");
    Call("KillContainer", "si", {"noisy", "9"});
    WaitForProperty("noisy", "State", "s \"stopped\"");
    Call("RemoveContainer", "sb", {"noisy", "true"});
    std::string seen;
    for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
        seen = ReadFileIfExists(log).value_or("");
        if (seen.find("ContainerRemoved") != std::string::npos)
            break;
    }
    RunShell("kill $(cat " + dir_ + "/monitor.pid)");
    EXPECT_NE(seen.find("Member=ContainerNew"), std::string::npos) << seen;
    EXPECT_NE(seen.find("Member=PropertiesChanged"), std::string::npos) << seen;
    EXPECT_NE(seen.find("STRING \"running\""), std::string::npos) << seen;
    EXPECT_NE(seen.find("STRING \"stopped\""), std::string::npos) << seen;
    EXPECT_NE(seen.find("Member=ContainerRemoved"), std::string::npos) << seen;
}

TEST_F(DaemonTest, PolicyLetsOthersReadButNotChange) {
    CreateAndStart("guarded");
    const std::vector<std::string> nobody = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    auto r = Call("StopContainer", "st", {"guarded", "0"}, nobody);
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("Access denied"), std::string::npos) << Describe(r);
    r = Call("KillContainer", "si", {"guarded", "9"}, nobody);
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("guarded", "State"), "s \"running\"");

    std::vector<std::string> get = nobody;
    get.insert(get.end(), {"busctl", "get-property", "org.berth1", "/org/berth1/container/guarded",
                           "org.berth1.Container", "State"});
    r = Run(get);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Trim(r.out), "s \"running\"");
    r = Call("ListContainers", "", {}, nobody);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find("guarded"), std::string::npos) << Describe(r);

    // A policy that wrongly lets everyone call: berthd's own uid check still refuses.
    std::string open_policy = "/etc/dbus-1/system.d/zz-berth-test-open.conf";
    r = RunShell("printf '%s' '<busconfig><policy user=\"nobody\"><allow send_destination=\"org.berth1\"/>"
                 "</policy></busconfig>' > " + open_policy + " && systemctl reload dbus");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::vector<std::string> send = nobody;
    send.insert(send.end(), {"dbus-send", "--system", "--print-reply", "--dest=org.berth1", "/org/berth1",
                             "org.berth1.Manager.KillContainer", "string:guarded", "int32:9"});
    r = Run(send);
    Run({"rm", "-f", open_policy});
    Run({"systemctl", "reload", "dbus"});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("org.berth1.Error.PermissionDenied"), std::string::npos) << Describe(r);
    EXPECT_EQ(Property("guarded", "State"), "s \"running\"");
}

// Every method of the introspected interfaces, with arguments of its signature (strings: the
// container, then a path of ours), as uid 65534: each mutating one is refused by the bus policy,
// and again by berthd itself under a policy that wrongly lets everyone call; no property can be
// written; the container and the named paths stay untouched. The read-only methods answer, and a
// name that is a path reads nothing. Proven: with the uid check of RequireRootCaller removed,
// under the open policy every mutating method failed its expectation: CheckpointContainer wrote
// images to the path nobody named, RemoveContainer removed the container.
TEST_F(DaemonTest, UnprivilegedCallersChangeNothingThroughAnyMethod) {
    CreateAndStart("guarded");
    const std::string leader = Property("guarded", "Leader");
    const std::string path = dir_ + "/nobody-path";
    const std::vector<std::string> nobody = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    const std::set<std::string> read_only = {"ListContainers", "ListContainerStates", "GetContainer",
                                             "GetContainerProcesses", "GetContainerStats"};
    struct Method {
        std::string object, interface, name, signature;
    };
    std::vector<Method> methods;
    for (const auto& [object, interface] :
         {std::pair<std::string, std::string>{"/org/berth1", "org.berth1.Manager"},
          {"/org/berth1/container/guarded", "org.berth1.Container"}}) {
        auto xml = Run({"busctl", "introspect", "--xml-interface", "org.berth1", object}).out;
        for (const auto& member : InterfaceMembers(xml, interface)) {
            std::smatch name;
            if (!std::regex_search(member, name, std::regex("^<method name=\"([A-Za-z]+)\"")))
                continue;
            std::string signature;
            std::regex in_arg("<arg [^>]*type=\"([^\"]+)\"[^>]*direction=\"in\"");
            for (auto it = std::sregex_iterator(member.begin(), member.end(), in_arg); it != std::sregex_iterator(); ++it)
                signature += (*it)[1];
            methods.push_back({object, interface, name[1], signature});
        }
    }
    ASSERT_EQ(methods.size(), 30u) << "24 Manager methods and 6 Container methods";
    // The D-Bus error name of the call as uid 65534 ("" when it succeeded): sd-bus in a child that
    // dropped to nobody, since busctl cannot pass the fds some methods take.
    auto call_as_nobody = [&](const Method& m) {
        int out[2];
        EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
        pid_t child = fork();
        if (child == 0) {
            std::string result = "(setup failed)";
            sd_bus* bus = nullptr;
            sd_bus_message* call = nullptr;
            sd_bus_error error = SD_BUS_ERROR_NULL;
            // Opened while root: nobody may not walk /proc/PID/root of the harness' systemd.
            std::string socket_dir = "/proc/" + std::to_string(Harness().Pid()) + "/root/run/dbus";
            int dir = open(socket_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
            std::string address = "unix:path=/proc/self/fd/" + std::to_string(dir) + "/system_bus_socket";
            int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (setgroups(0, nullptr) == 0 && setresgid(65534, 65534, 65534) == 0 &&
                setresuid(65534, 65534, 65534) == 0 && sd_bus_new(&bus) >= 0 &&
                sd_bus_set_address(bus, address.c_str()) >= 0 && sd_bus_set_bus_client(bus, 1) >= 0 &&
                sd_bus_start(bus) >= 0 &&
                sd_bus_message_new_method_call(bus, &call, "org.berth1", m.object.c_str(), m.interface.c_str(),
                                               m.name.c_str()) >= 0) {
                bool first_string = true;
                int r = 0;
                for (size_t i = 0; i < m.signature.size() && r >= 0; ++i) {
                    char t = m.signature[i];
                    uint64_t zero = 0;
                    if (t == 's') {
                        r = sd_bus_message_append_basic(call, 's', first_string ? "guarded" : path.c_str());
                        first_string = false;
                    } else if (t == 'h') {
                        r = sd_bus_message_append_basic(call, 'h', &fd);
                    } else if (t == 'b') {
                        int yes = 1;
                        r = sd_bus_message_append_basic(call, 'b', &yes);
                    } else if (t == 'a') {
                        size_t end = m.signature[i + 1] == '{' ? m.signature.find('}', i) : i + 1;
                        std::string element = m.signature.substr(i + 1, end - i);
                        r = sd_bus_message_open_container(call, 'a', element.c_str());
                        if (r >= 0)
                            r = sd_bus_message_close_container(call);
                        i = end;
                    } else {
                        r = sd_bus_message_append_basic(call, t, &zero);  // a signal 0, a timeout 0
                    }
                }
                if (r < 0)
                    result = std::string("(append failed: ") + strerror(-r) + ")";
                else if (sd_bus_call(bus, call, 30 * 1000 * 1000, &error, nullptr) >= 0)
                    result = "";
                else
                    result = error.name ? error.name : "(no error name)";
            }
            [[maybe_unused]] ssize_t n = write(out[1], result.data(), result.size());
            _exit(0);
        }
        close(out[1]);
        std::string result = ReadAllAndClose(out[0]);
        waitpid(child, nullptr, 0);
        return result;
    };
    auto expect_untouched = [&](const std::string& when) {
        EXPECT_EQ(Property("guarded", "State"), "s \"running\"") << when;
        EXPECT_EQ(Property("guarded", "Leader"), leader) << when;
        EXPECT_FALSE(PathExists(path)) << when << ": berthd wrote a path the caller named";
    };
    for (const auto& m : methods)
        EXPECT_EQ(call_as_nobody(m), read_only.count(m.name) ? "" : "org.freedesktop.DBus.Error.AccessDenied")
            << m.interface << "." << m.name;
    expect_untouched("default policy");
    // A container name that is a path is refused before anything is read.
    std::vector<std::string> escape = nobody;
    escape.insert(escape.end(), {"busctl", "call", "org.berth1", "/org/berth1", "org.berth1.Manager",
                                 "GetContainerProcesses", "s", "../../../../proc/1"});
    auto r = Run(escape);
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, "") << Describe(r);

    std::string open_policy = "/etc/dbus-1/system.d/zz-berth-test-open.conf";
    r = RunShell("printf '%s' '<busconfig><policy user=\"nobody\"><allow send_destination=\"org.berth1\"/>"
                 "</policy></busconfig>' > " + open_policy + " && systemctl reload dbus");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    for (const auto& m : methods) {
        if (!read_only.count(m.name)) {
            EXPECT_EQ(call_as_nobody(m), "org.berth1.Error.PermissionDenied") << m.interface << "." << m.name;
        }
    }
    for (const char* property : {"State", "Leader", "ExitStatus", "Rootfs", "Unit"}) {
        std::vector<std::string> set = nobody;
        set.insert(set.end(), {"busctl", "set-property", "org.berth1", "/org/berth1/container/guarded",
                               "org.berth1.Container", property, "s", path});
        r = Run(set);
        EXPECT_NE(r.exit_code, 0) << property << ": " << Describe(r);
    }
    Run({"rm", "-f", open_policy});
    Run({"systemctl", "reload", "dbus"});
    expect_untouched("open policy");
}

TEST_F(DaemonTest, ReadoptsContainersAfterKill9) {
    CreateAndStart("first");
    CreateAndStart("second");
    std::string first_leader = Property("first", "Leader");
    std::string second_leader = Property("second", "Leader");
    auto r = RunShell("kill -9 $(systemctl show -P MainPID " + unit_ + ")");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::string old_unit = unit_;
    StartBerthd();
    EXPECT_EQ(Property("first", "State"), "s \"running\"");
    EXPECT_EQ(Property("second", "State"), "s \"running\"");
    EXPECT_EQ(Property("first", "Leader"), first_leader);
    EXPECT_EQ(Property("second", "Leader"), second_leader);
    // The container exits on its own (not through berthd): the new berthd reports its status.
    r = Run({"kill", "-TERM", first_leader.substr(2)});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(WaitForProperty("first", "State", "s \"stopped\"")) << Property("first", "State");
    EXPECT_EQ(Property("first", "ExitStatus"), "i 7");
    EXPECT_EQ(Property("second", "State"), "s \"running\"");
    Run({"systemctl", "stop", old_unit});
    Run({"systemctl", "reset-failed", old_unit});
}

TEST_F(DaemonTest, MonitorsSurviveKillingEveryProcessOfBerthdsUnit) {
    CreateAndStart("survivor");
    std::string leader = Property("survivor", "Leader");
    // The monitors live in a scope of their own, not in berthd's service cgroup.
    auto monitors = RunShell("systemctl list-units --no-legend --plain 'berthd-monitors-*' | cut -d' ' -f1");
    ASSERT_EQ(monitors.exit_code, 0) << Describe(monitors);
    EXPECT_NE(Trim(monitors.out).find("berthd-monitors-"), std::string::npos) << monitors.out;
    auto r = Run({"systemctl", "kill", "--signal=SIGKILL", unit_});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::string old_unit = unit_;
    StartBerthd();
    EXPECT_EQ(Property("survivor", "State"), "s \"running\"");
    // Its monitor still records the exit status.
    r = Run({"kill", "-TERM", leader.substr(2)});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(WaitForProperty("survivor", "State", "s \"stopped\"")) << Property("survivor", "State");
    EXPECT_EQ(Property("survivor", "ExitStatus"), "i 7");
    Run({"systemctl", "stop", old_unit});
    Run({"systemctl", "reset-failed", old_unit});
}

TEST_F(DaemonTest, OneMonitorIsEveryContainersParentAndBerthdReattachesToIt) {
    CreateAndStart("one");
    CreateAndStart("two");
    CreateAndStart("three");
    std::string monitor = ParentPid(Property("one", "Leader"));
    ASSERT_FALSE(monitor.empty());
    EXPECT_EQ(ParentPid(Property("two", "Leader")), monitor);
    EXPECT_EQ(ParentPid(Property("three", "Leader")), monitor);
    EXPECT_NE(CommandLineOf(monitor).find("berthd --monitor-server"), std::string::npos) << CommandLineOf(monitor);
    // No process per container: the spare that started each one has exited once the start returned.
    auto r = RunShell("pgrep -f -- '[b]erthd --monitor ' || true");
    EXPECT_EQ(Trim(r.out), "") << "per-container monitor processes";

    r = RunShell("kill -9 $(systemctl show -P MainPID " + unit_ + ")");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::string old_unit = unit_;
    StartBerthd();
    CreateAndStart("four");
    EXPECT_EQ(ParentPid(Property("four", "Leader")), monitor) << "the new berthd attached to the same monitor";
    // The monitor still records exits, of the containers of both berthds.
    for (const char* name : {"two", "four"}) {
        r = Run({"kill", "-TERM", Property(name, "Leader").substr(2)});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
        EXPECT_TRUE(WaitForProperty(name, "State", "s \"stopped\"")) << Property(name, "State");
        EXPECT_EQ(Property(name, "ExitStatus"), "i 7") << name;
    }
    Run({"systemctl", "stop", old_unit});
    Run({"systemctl", "reset-failed", old_unit});
}

TEST_F(DaemonTest, KilledMonitorLeavesContainersRunningWithUnknownExitAndANewOneServes) {
    CreateAndStart("orphan");
    std::string leader = Property("orphan", "Leader");
    std::string monitor = ParentPid(leader);
    ASSERT_FALSE(monitor.empty());
    auto r = Run({"kill", "-KILL", monitor});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    bool reparented = false;
    for (int i = 0; i < 300 && !reparented; ++i, std::this_thread::sleep_for(20ms))
        reparented = ParentPid(leader) != monitor;
    ASSERT_TRUE(reparented) << "the init's parent is still " << monitor;
    EXPECT_EQ(Property("orphan", "State"), "s \"running\"");
    // Its exit status goes to its new parent: berthd shows it stopped, with the status unknown, not wrong.
    r = Run({"kill", "-TERM", leader.substr(2)});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(WaitForProperty("orphan", "State", "s \"stopped\"")) << Property("orphan", "State");
    EXPECT_EQ(Property("orphan", "ExitStatus"), "i -1");
    // The next start gets a new monitor, which records exits again.
    CreateAndStart("later");
    std::string later_monitor = ParentPid(Property("later", "Leader"));
    EXPECT_NE(later_monitor, monitor);
    EXPECT_NE(CommandLineOf(later_monitor).find("berthd --monitor-server"), std::string::npos)
        << CommandLineOf(later_monitor);
    r = Run({"kill", "-TERM", Property("later", "Leader").substr(2)});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(WaitForProperty("later", "State", "s \"stopped\"")) << Property("later", "State");
    EXPECT_EQ(Property("later", "ExitStatus"), "i 7");
}

TEST_F(DaemonTest, GetManagedObjectsHasEveryContainerWithItsProperties) {
    CreateAndStart("listed");
    auto r = Call("CreateContainer", "ssa{sv}", {"idle", ReadFile(dir_ + "/conf/sleeper.toml"), "0"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    r = Run({"busctl", "--json=short", "call", "org.berth1", "/org/berth1", "org.freedesktop.DBus.ObjectManager",
             "GetManagedObjects"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    auto reply = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(reply.is_object()) << r.out;
    const auto& objects = reply["data"][0];
    for (const char* name : {"listed", "idle"}) {
        std::string path = std::string("/org/berth1/container/") + name;
        ASSERT_TRUE(objects.contains(path)) << r.out;
        const auto& properties = objects[path]["org.berth1.Container"];
        EXPECT_EQ(properties["Name"]["data"], name);
        EXPECT_EQ(properties["State"]["data"], std::string(name) == "listed" ? "running" : "created");
    }
    EXPECT_EQ(objects["/org/berth1/container/listed"]["org.berth1.Container"]["Leader"]["data"].dump(),
              Property("listed", "Leader").substr(2));
}

// ListContainerStates (what berthctl list reads) says what each container's properties say, and
// leaves the control groups out unless asked for them.
TEST_F(DaemonTest, ListContainerStatesAgreesWithThePropertiesOfEveryContainer) {
    CreateAndStart("listed");
    auto r = Call("CreateContainer", "ssa{sv}", {"idle", ReadFile(dir_ + "/conf/sleeper.toml"), "0"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    auto states = [&](const char* with_control_groups) {
        auto reply = Run({"busctl", "--json=short", "call", "org.berth1", "/org/berth1", "org.berth1.Manager",
                          "ListContainerStates", "b", with_control_groups});
        EXPECT_EQ(reply.exit_code, 0) << Describe(reply);
        std::map<std::string, nlohmann::json> by_name;
        auto json = nlohmann::json::parse(reply.out, nullptr, false);
        if (json.is_object() && json["data"].is_array() && !json["data"].empty())
            for (const auto& entry : json["data"][0])
                by_name[entry[0].get<std::string>()] = entry;
        return by_name;
    };
    // The property's text as busctl get-property prints it, from a field of the listed tuple.
    auto property_of = [](const nlohmann::json& field, const std::string& type) {
        return type + " " + (field.is_string() ? "\"" + field.get<std::string>() + "\"" : field.dump());
    };
    auto full = states("true");
    ASSERT_TRUE(full.count("listed") && full.count("idle")) << Describe(r);
    const char* fields[] = {"Name",   "State",            "Leader",        "Unit",       "Rootfs",  "NetworkNamespace",
                            "CreatedTimestampNSec", "CgroupDriver", "ExitStatus", "OOMKills"};
    const char* types[] = {"s", "s", "u", "s", "s", "s", "t", "s", "i", "t"};
    for (const char* name : {"listed", "idle"})
        for (size_t i = 0; i < std::size(fields); ++i)
            EXPECT_EQ(property_of(full[name][i], types[i]), Property(name, fields[i])) << name << " " << fields[i];
    EXPECT_EQ(full["listed"][1], "running");
    EXPECT_EQ(full["idle"][1], "created");
    EXPECT_EQ(full["idle"][2], 0) << "no leader before the start";
    // The control groups, as the property lists them ("a{ss} N" then each pair quoted).
    const auto& groups = full["listed"][10];
    ASSERT_TRUE(groups.is_object() && !groups.empty()) << groups.dump();
    std::string listed_groups = "a{ss} " + std::to_string(groups.size());
    for (const auto& [hierarchy, path] : groups.items())
        listed_groups += " \"" + hierarchy + "\" \"" + path.get<std::string>() + "\"";
    EXPECT_EQ(listed_groups, Property("listed", "ControlGroups"));

    auto lean = states("false");
    ASSERT_TRUE(lean.count("listed")) << "listed is missing without control groups";
    EXPECT_TRUE(lean["listed"][10].empty()) << lean["listed"].dump();
    EXPECT_EQ(lean["listed"][2], full["listed"][2]);

    // A stop reaches the list as it reaches the properties: stopped, no leader, the exit status.
    r = Call("KillContainer", "si", {"listed", "9"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    ASSERT_TRUE(WaitForProperty("listed", "ExitStatus", "i 137")) << Property("listed", "ExitStatus");
    auto after = states("false");
    EXPECT_EQ(after["listed"][1], "stopped");
    EXPECT_EQ(after["listed"][2], 0);
    EXPECT_EQ(after["listed"][8], 137);
}

TEST_F(DaemonTest, CorruptStateIsSkipped) {
    CreateAndStart("healthy");
    MakeDirs(dir_ + "/state/broken");
    WriteFileAtomic(dir_ + "/state/broken/state.toml", "this is = = not toml [");
    StopBerthd();
    StartBerthd();
    EXPECT_EQ(Run({"systemctl", "is-active", unit_}).out, "active\n");
    EXPECT_EQ(Property("healthy", "State"), "s \"running\"");
    auto names = ListNames();
    EXPECT_NE(std::find(names.begin(), names.end(), "healthy"), names.end());
    EXPECT_EQ(std::find(names.begin(), names.end(), "broken"), names.end());
    Run({"rm", "-rf", dir_ + "/state/broken"});
}

TEST_F(DaemonTest, RunningContainersAreMachinesOfMachined) {
    CreateAndStart("machine");
    std::string leader = Property("machine", "Leader").substr(2);
    auto r = Run({"machinectl", "list", "--no-legend", "--no-pager"});
    EXPECT_TRUE(std::regex_search(r.out, std::regex("(^|\\n)machine +container +berth "))) << Describe(r);
    r = Run({"machinectl", "status", "machine", "--no-pager"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find("Leader: " + leader + " "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Service: berth; class container"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Root: " + rootfs_ + "\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Unit: berth-machine.scope"), std::string::npos) << r.out;

    // terminate stops the scope: the init's TERM trap exits 7, and Berth records it.
    r = Run({"machinectl", "terminate", "machine"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(WaitForProperty("machine", "State", "s \"stopped\"")) << Property("machine", "State");
    EXPECT_EQ(Property("machine", "ExitStatus"), "i 7");
    bool gone = false;
    for (int i = 0; i < 300 && !gone; ++i, std::this_thread::sleep_for(100ms))
        gone = Run({"machinectl", "show", "machine"}).exit_code != 0;
    EXPECT_TRUE(gone) << "the registration ends with the container: "
                      << Describe(Run({"machinectl", "list", "--no-pager"}));
}

TEST_F(DaemonTest, WithoutMachinedContainersRunAndDebugSaysSo) {
    auto r = RunShell("systemctl mask --runtime systemd-machined.service && systemctl stop systemd-machined.service");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    r = RunShell("BERTH_NO_DAEMON=1 " + kBerthctl + " --debug --state-dir " + dir_ + "/state --config-path " + dir_ +
                 "/conf run --detach sleeper");
    Run({"systemctl", "unmask", "--runtime", "systemd-machined.service"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("systemd-machined is not available"), std::string::npos) << Describe(r);
    EXPECT_EQ(r.err.find("warning"), std::string::npos) << Describe(r);
    ListNames();  // berthd picks up what berthctl made in-process
    EXPECT_EQ(Property("sleeper", "State"), "s \"running\"");
    EXPECT_NE(Run({"machinectl", "show", "sleeper"}).exit_code, 0);
}

TEST_F(DaemonTest, LogsReadsTheJournalAsJournalctlDoes) {
    // Unique: the harness' journal may be persistent and shared with earlier runs.
    const std::string name = "logger" + std::to_string(getpid());
    const std::string go = "/go-" + name;
    WriteConfig(name, "[\"/bin/sh\", \"-c\", \"echo one; echo two; echo three >&2; while [ ! -e " + go +
                          " ]; do sleep 0.1; done; echo after-go; while :; do sleep 1; done\"]");
    CreateAndStart(name, name);
    const std::string journalctl = "journalctl --no-pager -o cat CONTAINER_NAME=" + name;
    std::string journal;
    for (int i = 0; i < 300 && journal.find("three") == std::string::npos; ++i, std::this_thread::sleep_for(100ms))
        journal = RunShell(journalctl).out;
    ASSERT_EQ(journal, "one\ntwo\nthree\n");
    auto r = Run({kBerthctl, "logs", name});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out, journal);
    r = Run({kBerthctl, "logs", "-n", "2", name});
    EXPECT_EQ(r.out, "two\nthree\n") << Describe(r);
    r = Run({kBerthctl, "logs", "--since", "1h", name});
    EXPECT_EQ(r.out, journal) << Describe(r);
    r = Run({kBerthctl, "logs", "--since", "2000-01-01T00:00:00Z", "-n", "1", name});
    EXPECT_EQ(r.out, "three\n") << Describe(r);

    // -f prints what is there, then what comes.
    const std::string followed = dir_ + "/follow.out";
    r = RunShell(kBerthctl + " logs -f -n 1 " + name + " > " + followed + " 2>&1 & echo $! > " + dir_ + "/follow.pid");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::string seen;
    for (int i = 0; i < 300 && seen.find("three") == std::string::npos; ++i, std::this_thread::sleep_for(100ms))
        seen = ReadFileIfExists(followed).value_or("");
    WriteFileAtomic(rootfs_ + go, "");
    for (int i = 0; i < 300 && seen.find("after-go") == std::string::npos; ++i, std::this_thread::sleep_for(100ms))
        seen = ReadFileIfExists(followed).value_or("");
    RunShell("kill $(cat " + dir_ + "/follow.pid)");
    Run({"rm", "-f", rootfs_ + go});
    EXPECT_EQ(seen, "three\nafter-go\n");
    EXPECT_EQ(RunShell(journalctl).out, "one\ntwo\nthree\nafter-go\n");
}

TEST_F(DaemonTest, EventsStreamTheLifecycleInOrder) {
    std::string log = dir_ + "/events.log";
    // Only "eventful": the other container's events must not show.
    auto r = RunShell(kBerthctl + " --debug events --json eventful > " + log + " 2>&1 & echo $! > " + dir_ +
                      "/events.pid; for i in $(seq 100); do grep -q listening " + log +
                      " 2>/dev/null && exit 0; sleep 0.1; done; exit 1");
    ASSERT_EQ(r.exit_code, 0) << Describe(r) << ReadFileIfExists(log).value_or("");
    CreateAndStart("bystander");
    CreateAndStart("eventful");
    ASSERT_EQ(Call("PauseContainer", "s", {"eventful"}).exit_code, 0);
    ASSERT_EQ(Call("ResumeContainer", "s", {"eventful"}).exit_code, 0);
    ASSERT_EQ(Call("KillContainer", "si", {"eventful", "15"}).exit_code, 0);
    ASSERT_TRUE(WaitForProperty("eventful", "State", "s \"stopped\""));
    ASSERT_EQ(Call("RemoveContainer", "sb", {"eventful", "false"}).exit_code, 0);
    std::string seen;
    for (int i = 0; i < 100 && seen.find("removed") == std::string::npos; ++i, std::this_thread::sleep_for(100ms))
        seen = ReadFileIfExists(log).value_or("");
    RunShell("kill $(cat " + dir_ + "/events.pid)");
    std::vector<std::string> events;
    std::regex line("\\{\"time\":\"[0-9T:.-]+Z\",\"name\":\"eventful\",\"event\":\"([a-z]+)\"(,\"exit_code\":(-?[0-9]+))?\\}\n");
    for (auto it = std::sregex_iterator(seen.begin(), seen.end(), line); it != std::sregex_iterator(); ++it)
        events.push_back((*it)[1].str() + ((*it)[3].matched ? " " + (*it)[3].str() : ""));
    EXPECT_EQ(events, (std::vector<std::string>{"created", "started", "paused", "resumed", "exited 7", "removed"}))
        << seen;
    EXPECT_EQ(seen.find("bystander"), std::string::npos) << seen;
}

// A named netns inside the harness (its /run is private) with a stand-in interface; deleted on destruction.
class HarnessNetns {
public:
    HarnessNetns(const SystemdHarness& harness, std::string name) : harness_(harness), name_(std::move(name)) {
        Create();
    }
    ~HarnessNetns() { Delete(); }
    void Create() {
        auto r = harness_.RunShell("ip netns add " + name_ + " && ip -n " + name_ + " link add d0 type bridge && ip -n " +
                                name_ + " addr add 10.250.0.1/24 dev d0");
        EXPECT_EQ(r.exit_code, 0) << Describe(r);
    }
    void Delete() { harness_.RunShell("ip netns del " + name_ + " 2>/dev/null; true"); }
    std::string Path() const { return "/run/netns/" + name_; }

private:
    const SystemdHarness& harness_;
    std::string name_;
};

// Name and content hash of every file in an image directory: what "untouched" means.
std::map<std::string, size_t> ImageFingerprint(const std::string& dir) {
    std::map<std::string, size_t> files;
    if (auto d = opendir(dir.c_str())) {
        while (auto* entry = readdir(d))
            if (entry->d_name[0] != '.')
                files[entry->d_name] = std::hash<std::string>{}(ReadFile(dir + "/" + entry->d_name));
        closedir(d);
    }
    return files;
}

class DaemonRestoreTest : public DaemonTest {
protected:
    void SetUp() override {
        DaemonTest::SetUp();
        if (IsSkipped())
            return;
        auto version = RunOnHost({"/bin/sh", "-c", "criu --version && criu check"});
        if (version.exit_code != 0)
            GTEST_SKIP() << "CRIU unusable here: " << Describe(version);
    }
    // Counts in memory and renames each value into place: a restart from scratch would begin at 1.
    void CreateCounter(const std::string& name, const std::string& netns_path) {
        std::string count = "/tmp/count-" + name;
        WriteConfig(name, "[\"/bin/sh\", \"-c\", \"i=0; while :; do i=$((i+1)); echo $i > " + count + ".new; mv " +
                              count + ".new " + count + "; usleep 100000; done\"]");
        auto r = Call("CreateContainer", "ssa{sv}", {name, "", "1", "NetworkNamespace", "s", netns_path});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
        r = Call("StartContainer", "s", {name});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
    }
    long Count(const std::string& name) {
        std::string text = ReadFileIfExists(rootfs_ + "/tmp/count-" + name).value_or("");
        return text.empty() ? -1 : std::atol(text.c_str());
    }
    // Waits until the counter passes `above` (30 s safety limit, not a timing assertion).
    long WaitForCountAbove(const std::string& name, long above) {
        for (int i = 0; i < 300; ++i, std::this_thread::sleep_for(100ms))
            if (Count(name) > above)
                break;
        return Count(name);
    }
    // stat -L inside the harness (its /proc and /run are its own).
    std::string InodeInside(const std::string& path) { return Trim(Run({"stat", "-L", "-c", "%i", path}).out); }
    std::string ScopeState(const std::string& name) {
        return Trim(Run({"systemctl", "show", "-P", "ActiveState", "berth-" + name + ".scope"}).out);
    }
};

TEST_F(DaemonRestoreTest, CheckpointAndRestoreThroughTheBus) {
    HarnessNetns netns(Harness(), "berth-dt-" + std::to_string(getpid()));
    const std::string name = "counter";
    CreateCounter(name, netns.Path());
    ASSERT_GT(WaitForCountAbove(name, 3), 3) << "the counter never ran";
    std::string original = Property(name, "Leader").substr(2);
    ASSERT_EQ(InodeInside("/proc/" + original + "/ns/net"), InodeInside(netns.Path()));
    const std::string unit = Property(name, "Unit");

    // Twice in a row: the second checkpoint is of a restored container (its masks are binds now).
    for (const std::string round : {"1", "2"}) {
        SCOPED_TRACE("round " + round);
        const std::string images = dir_ + "/images-" + round;
        auto r = Call("CheckpointContainer", "ssa{sv}", {name, images, "0"});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
        EXPECT_EQ(Property(name, "State"), "s \"checkpointed\"");
        EXPECT_EQ(Property(name, "Leader"), "u 0");
        if (unit != "s \"\"") {
            EXPECT_NE(ScopeState(name), "active") << "the scope survived the checkpoint";
        }
        long stopped_at = Count(name);
        ASSERT_GT(stopped_at, 0);

        r = Call("RestoreContainer", "ssa{sv}", {name, images, "0"});
        ASSERT_EQ(r.exit_code, 0) << Describe(r) << ReadFileIfExists(images + "/restore.log").value_or("");
        EXPECT_EQ(Trim(r.out), "o \"/org/berth1/container/" + name + "\"");
        EXPECT_EQ(Property(name, "State"), "s \"running\"");
        std::string leader = Property(name, "Leader").substr(2);
        ASSERT_NE(leader, "0");
        // The Leader is the restored init: pid 1 of the container's pid namespace, running our loop.
        std::string status = Run({"cat", "/proc/" + leader + "/status"}).out;
        std::smatch nspid;
        ASSERT_TRUE(std::regex_search(status, nspid, std::regex("NSpid:\\s+" + leader + "\\s+1\\n"))) << status;
        EXPECT_EQ(InodeInside("/proc/" + leader + "/ns/net"), InodeInside(netns.Path()));
        EXPECT_NE(Run({"ip", "-n", netns.Path().substr(11), "-o", "addr", "show", "d0"}).out.find("10.250.0.1/24"),
                  std::string::npos);
        EXPECT_GT(WaitForCountAbove(name, stopped_at), stopped_at) << "the counter did not continue";
        EXPECT_EQ(Property(name, "Unit"), unit);
        if (unit != "s \"\"") {
            EXPECT_EQ(ScopeState(name), "active");
            std::string cgroup = Trim(Run({"systemctl", "show", "-P", "ControlGroup", "berth-" + name + ".scope"}).out);
            std::string procs = "\n" + Run({"cat", "/sys/fs/cgroup/systemd" + cgroup + "/cgroup.procs"}).out;
            EXPECT_NE(procs.find("\n" + leader + "\n"), std::string::npos) << "leader " << leader << " not in" << procs;
        }
    }
}

TEST_F(DaemonRestoreTest, RestoreWithoutItsNetnsFailsNamingThePathAndKeepsTheImages) {
    HarnessNetns netns(Harness(), "berth-dt-gone-" + std::to_string(getpid()));
    const std::string name = "homeless";
    const std::string images = dir_ + "/images";
    CreateCounter(name, netns.Path());
    ASSERT_GT(WaitForCountAbove(name, 3), 3) << "the counter never ran";
    auto r = Call("CheckpointContainer", "ssa{sv}", {name, images, "0"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    long stopped_at = Count(name);

    netns.Delete();
    auto before = ImageFingerprint(images);
    ASSERT_FALSE(before.empty());
    r = Call("RestoreContainer", "ssa{sv}", {name, images, "0"});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find(netns.Path()), std::string::npos) << Describe(r);
    EXPECT_EQ(ErrorNameOf("RestoreContainer", {"'" + name + "'", "'" + images + "'", "{}"}),
              "org.berth1.Error.InvalidState");
    EXPECT_EQ(ImageFingerprint(images), before) << "the failed restore changed the images";
    EXPECT_EQ(Property(name, "State"), "s \"checkpointed\"");
    EXPECT_NE(ScopeState(name), "active");
    EXPECT_EQ(Count(name), stopped_at);

    // The images are still good: with the netns back, the same restore works.
    netns.Create();
    r = Call("RestoreContainer", "ssa{sv}", {name, images, "0"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property(name, "State"), "s \"running\"");
    EXPECT_GT(WaitForCountAbove(name, stopped_at), stopped_at);
}

TEST_F(DaemonRestoreTest, ExportImportAndPreDumpOptionsThroughTheBus) {
    HarnessNetns source(Harness(), "berth-dt-src-" + std::to_string(getpid()));
    HarnessNetns target(Harness(), "berth-dt-dst-" + std::to_string(getpid()));
    const std::string name = "exported";
    CreateCounter(name, source.Path());
    ASSERT_GT(WaitForCountAbove(name, 3), 3) << "the counter never ran";

    // PreDump: where this kernel has no dirty-memory tracking it is refused up front, the container untouched.
    if (RunOnHost({"criu", "check", "--feature", "mem_dirty_track"}).exit_code != 0) {
        auto pre = Call("CheckpointContainer", "ssa{sv}", {name, dir_ + "/pre", "1", "PreDump", "b", "true"});
        EXPECT_NE(pre.exit_code, 0) << Describe(pre);
        EXPECT_NE(pre.err.find("does not track dirty memory"), std::string::npos) << Describe(pre);
        EXPECT_EQ(Property(name, "State"), "s \"running\"");
    }

    const std::string archive = dir_ + "/exported.tar.zst";
    auto r = Call("CheckpointContainer", "ssa{sv}", {name, "", "1", "Export", "s", archive});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property(name, "State"), "s \"checkpointed\"");
    long stopped_at = Count(name);

    r = Call("RestoreContainer", "ssa{sv}", {"imported", "", "1", "Import", "s", dir_ + "/missing.tar"});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(ErrorNameOf("RestoreContainer", {"'imported'", "''", "{'Import': <'" + dir_ + "/missing.tar'>}"}),
              "org.berth1.Error.InvalidState");

    r = Call("RestoreContainer", "ssa{sv}",
             {"imported", "", "2", "Import", "s", archive, "NetworkNamespace", "s", target.Path()});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Trim(r.out), "o \"/org/berth1/container/imported\"");
    EXPECT_EQ(Property("imported", "State"), "s \"running\"");
    std::string leader = Property("imported", "Leader").substr(2);
    ASSERT_NE(leader, "0");
    EXPECT_EQ(InodeInside("/proc/" + leader + "/ns/net"), InodeInside(target.Path()));
    // The counter's file is named after the original container: the same process, continued.
    EXPECT_GT(WaitForCountAbove(name, stopped_at), stopped_at) << "the counter did not continue";
}

TEST_F(DaemonTest, FiftyParallelContainersLeaveNothingBehind) {
    auto r = RunShell(
        "T=$(cat " + dir_ + "/conf/sleeper.toml); "
        "for i in $(seq 1 50); do (busctl call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'ssa{sv}' "
        "par$i \"$T\" 1 Args as 2 sleep 1000 >/dev/null && "
        "busctl call org.berth1 /org/berth1 org.berth1.Manager StartContainer s par$i && "
        "busctl call org.berth1 /org/berth1 org.berth1.Manager RemoveContainer sb par$i true || echo FAIL par$i) & "
        "done; wait",
        300s);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << Describe(r);
    auto names = ListNames();
    EXPECT_TRUE(names.empty()) << names.size() << " containers left, first " << names.front();
    r = RunShell("ls " + dir_ + "/state | grep par; systemctl list-units --all --no-legend 'berth-par*'; "
                 "grep -l '/par[0-9]\\|-par[0-9]' /proc/self/mountinfo; grep ' " + dir_ + "' /proc/self/mountinfo; "
                 "ls -d /sys/fs/cgroup/*/berth/par* /sys/fs/cgroup/*/berth.slice/berth-par* 2>/dev/null; true");
    EXPECT_EQ(r.out, "") << "left behind: " << r.out;
}

TEST_F(DaemonTest, BerthctlGoesThroughBerthd) {
    // berthctl uses berthd for the default state dir (/run/berth, private inside the harness).
    StopBerthd();
    StartBerthd("/run/berth");
    CreateAndStart("viaclient");
    auto r = Run({"env", "-u", "BERTH_CONFIG_PATH", "-u", "BERTH_STATE_DIR", kBerthctl, "--debug", "status",
                  "viaclient"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find("State: running"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Leader: " + Property("viaclient", "Leader").substr(2)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Tasks: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Backend: berthd"), std::string::npos) << r.out;
    r = Run({"env", "BERTH_NO_DAEMON=1", kBerthctl, "--debug", "--state-dir", "/run/berth", "status", "viaclient"});
    EXPECT_NE(r.out.find("Backend: in-process"), std::string::npos) << Describe(r);
    EXPECT_NE(r.out.find("State: running"), std::string::npos) << r.out;
    Call("RemoveContainer", "sb", {"viaclient", "true"});
    r = Run({"env", "-u", "BERTH_CONFIG_PATH", "-u", "BERTH_STATE_DIR", kBerthctl, "status", "viaclient"});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Run({"ls", "/run/berth"}).out, "");
}

TEST_F(DaemonTest, BerthctlVerbsGoThroughBerthd) {
    StopBerthd();
    StartBerthd("/run/berth");
    CreateAndStart("viaverbs");
    auto berthctl = [this](std::vector<std::string> args) {
        std::vector<std::string> argv = {"env", "-u", "BERTH_CONFIG_PATH", "-u", "BERTH_STATE_DIR", kBerthctl, "--debug"};
        argv.insert(argv.end(), args.begin(), args.end());
        return Run(argv);
    };
    auto r = berthctl({"list"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\\nviaverbs +[1-9][0-9]* +running "))) << r.out;

    r = berthctl({"pause", "viaverbs"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("acting through berthd"), std::string::npos) << Describe(r);
    EXPECT_EQ(Property("viaverbs", "State"), "s \"paused\"");
    r = berthctl({"resume", "viaverbs"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("viaverbs", "State"), "s \"running\"");
    // update's limits as UpdateContainer options (bus/resource_options.hpp, both ends): 't' and 'u' values.
    r = berthctl({"update", "viaverbs", "--memory", "64M", "--tasks-max", "12", "--cpu-quota", "50%"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("acting through berthd"), std::string::npos) << Describe(r);
    auto stats = Call("GetContainerStats", "s", {"viaverbs"});
    EXPECT_NE(stats.out.find("\"MemoryMax\" t 67108864"), std::string::npos) << Describe(stats);
    EXPECT_NE(stats.out.find("\"TasksMax\" t 12"), std::string::npos) << Describe(stats);

    r = berthctl({"kill", "viaverbs", "KILL"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("acting through berthd"), std::string::npos) << Describe(r);
    EXPECT_TRUE(WaitForProperty("viaverbs", "State", "s \"stopped\""));
    EXPECT_TRUE(WaitForProperty("viaverbs", "ExitStatus", "i 137")) << "berthd's monitor saw SIGKILL";

    r = berthctl({"rm", "viaverbs"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("acting through berthd"), std::string::npos) << Describe(r);
    EXPECT_EQ(ErrorNameOf("GetContainer", {"viaverbs"}), "org.berth1.Error.NoSuchContainer");
    r = berthctl({"rm", "viaverbs"});
    EXPECT_NE(r.exit_code, 0) << "berthd no longer knows it: " << Describe(r);
    EXPECT_EQ(Run({"ls", "/run/berth"}).out, "");
}

// berthctl with berthd on /run/berth ("via berthd") and standalone on the same state ("in-process").
class BerthctlClientTest : public DaemonTest {
protected:
    void SetUp() override {
        DaemonTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        StopBerthd();
        StartBerthd("/run/berth");
        // Where ViaBerthd mounts its empty tmpfs; berthd makes it only with its first container.
        ASSERT_EQ(Run({"mkdir", "-p", "/run/berth"}).exit_code, 0);
    }
    // The verb through berthd, with /run/berth hidden under an empty tmpfs in a private mount
    // namespace: in-process, berthctl would find no container at all. args are shell words.
    static std::string ViaBerthdCommand(const std::string& args) {
        return "unshare -m /bin/sh -c 'mount -t tmpfs berth-hidden /run/berth && exec \"$@\"' sh env -u "
               "BERTH_CONFIG_PATH -u BERTH_STATE_DIR " + kBerthctl + " " + args;
    }
    static std::string InProcessCommand(const std::string& args) {
        return "env BERTH_NO_DAEMON=1 " + kBerthctl + " --state-dir /run/berth " + args;
    }
    CommandResult ViaBerthd(const std::string& args) { return RunShell(ViaBerthdCommand(args)); }
    CommandResult InProcess(const std::string& args) { return RunShell(InProcessCommand(args)); }
    // The command line of the parent of the container's init: berthd's monitor (one for all of them) when berthd started it.
    std::string LeadersParent(const std::string& name) {
        std::string leader = Property(name, "Leader").substr(2);
        return Trim(RunShell("tr '\\0' ' ' < /proc/$(awk '/^PPid:/{print $2}' /proc/" + leader + "/status)/cmdline").out);
    }
    // Same exit code, stdout and stderr both ways; a paused container's figures may still move once
    // (kernel accounting), so a mismatch is retried a few times before it counts.
    void ExpectSameOutput(const std::string& args, int exit_code) {
        CommandResult daemon, local;
        for (int attempt = 0; attempt < 5; ++attempt) {
            daemon = ViaBerthd(args);
            local = InProcess(args);
            if (daemon.exit_code == local.exit_code && daemon.out == local.out && daemon.err == local.err)
                break;
        }
        EXPECT_EQ(daemon.exit_code, exit_code) << args << "\nberthd: " << Describe(daemon);
        EXPECT_EQ(local.exit_code, exit_code) << args << "\nin-process: " << Describe(local);
        EXPECT_FALSE(daemon.out.empty() && daemon.err.empty()) << args;
        EXPECT_EQ(daemon.out, local.out) << args;
        EXPECT_EQ(daemon.err, local.err) << args;
    }
};

TEST_F(BerthctlClientTest, ReadVerbsGoThroughBerthdAndPrintTheSame) {
    CreateAndStart("reader");
    auto r = Call("CreateContainer", "ssa{sv}", {"idle", ReadFile(dir_ + "/conf/sleeper.toml"), "0"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    // Frozen, so its processes and figures hold still between the two runs.
    ASSERT_EQ(Call("PauseContainer", "s", {"reader"}).exit_code, 0);

    r = ViaBerthd("--debug list");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.err.find("acting through berthd"), std::string::npos) << Describe(r);
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\\nreader +[1-9][0-9]* +paused "))) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\\nidle +0 +created "))) << r.out;
    r = ViaBerthd("ps reader");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find(Property("reader", "Leader").substr(2) + "\n"), std::string::npos) << r.out;
    r = ViaBerthd("state reader");
    EXPECT_NE(r.out.find("\"status\" : \"paused\""), std::string::npos) << Describe(r);

    for (const char* args : {"list", "list --json", "state reader", "state idle", "ps reader", "ps --json reader",
                             "stats reader", "stats --json reader", "status reader", "status idle"})
        ExpectSameOutput(args, 0);
    for (const char* args : {"state nosuch", "ps nosuch", "stats nosuch"})
        ExpectSameOutput(args, 1);

    // Processes and statistics are readable by anyone, as properties are.
    const std::vector<std::string> nobody = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    r = Call("GetContainerProcesses", "s", {"reader"}, nobody);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find("/bin/sh -c trap"), std::string::npos) << r.out;
    r = Call("GetContainerStats", "s", {"reader"}, nobody);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\"TasksCurrent\" t [1-9]"))) << r.out;
    EXPECT_EQ(Property("reader", "CgroupDriver").substr(0, 3), "s \"");
    EXPECT_NE(Property("reader", "ControlGroups").substr(0, 7), "a{ss} 0") << "a running container has cgroups";
}

TEST_F(BerthctlClientTest, WaitAnswersWithTheExitCodeViaBerthdAndInProcessAndOnTheBus) {
    WriteConfig("waited", "[\"/bin/sh\", \"-c\", \"trap 'exit 5' TERM; while :; do sleep 0.1; done\"]");
    CreateAndStart("waited", "waited");
    std::string out = dir_ + "/wait.out";
    // The file is written only when wait returns: empty while the container runs.
    auto r = RunShell("(" + ViaBerthdCommand("wait waited") + " > " + out + ".part 2>&1; echo \"exit $?\" >> " + out +
                      ".part; mv " + out + ".part " + out + ") > /dev/null 2>&1 &");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_FALSE(PathExists(out)) << "wait returned while the container runs: " << ReadFileIfExists(out).value_or("");
    ASSERT_EQ(Call("KillContainer", "si", {"waited", "15"}).exit_code, 0);
    for (int i = 0; i < 300 && !PathExists(out); ++i)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(ReadFileIfExists(out).value_or("(wait did not return)"), "5\nexit 5\n");

    // Stopped already: every way answers at once with the same code.
    r = InProcess("wait waited");
    EXPECT_EQ(r.exit_code, 5) << Describe(r);
    EXPECT_EQ(r.out, "5\n");
    r = ViaBerthd("wait waited");
    EXPECT_EQ(r.exit_code, 5) << Describe(r);
    EXPECT_EQ(r.out, "5\n");
    EXPECT_EQ(Trim(Call("WaitContainer", "s", {"waited"}).out), "i 5");
    EXPECT_EQ(Trim(Run({"busctl", "call", "org.berth1", "/org/berth1/container/waited", "org.berth1.Container",
                        "Wait"}).out),
              "i 5");
    EXPECT_EQ(ErrorNameOf("WaitContainer", {"nosuch"}), "org.berth1.Error.NoSuchContainer");
    ASSERT_EQ(Call("RemoveContainer", "sb", {"waited", "false"}).exit_code, 0);
    r = ViaBerthd("wait waited");
    EXPECT_NE(r.exit_code, 0) << Describe(r);
}

TEST_F(BerthctlClientTest, ForegroundRunUsesOurStdioAndExitCode) {
    const std::string run = "run --rootfs " + rootfs_ +
                            " --name fgquick -- /bin/sh -c 'read line; echo out:$line; echo err >&2; exit 5'";
    auto daemon = RunShell("echo piped | " + ViaBerthdCommand("--debug " + run));
    EXPECT_EQ(daemon.exit_code, 5) << Describe(daemon);
    EXPECT_EQ(daemon.out, "out:piped\n");
    EXPECT_NE(daemon.err.find("acting through berthd"), std::string::npos) << daemon.err;
    EXPECT_NE(daemon.err.find("\nerr\n"), std::string::npos) << daemon.err;
    EXPECT_EQ(ErrorNameOf("GetContainer", {"fgquick"}), "org.berth1.Error.NoSuchContainer") << "removed after exit";
    auto local = RunShell("echo piped | " + InProcessCommand(run));
    EXPECT_EQ(local.exit_code, 5) << Describe(local);
    EXPECT_EQ(local.out, daemon.out);
    EXPECT_EQ(local.err, "err\n");
    EXPECT_EQ(Run({"ls", "/run/berth"}).out, "");

    // A container that cannot start: 125 and nothing left, either way.
    const std::string broken = "run --rootfs " + rootfs_ + " --name fgbroken -- /no/such/program";
    daemon = ViaBerthd(broken);
    EXPECT_EQ(daemon.exit_code, 125) << Describe(daemon);
    EXPECT_NE(daemon.err.find("/no/such/program"), std::string::npos) << daemon.err;
    EXPECT_EQ(ErrorNameOf("GetContainer", {"fgbroken"}), "org.berth1.Error.NoSuchContainer");
    local = InProcess(broken);
    EXPECT_EQ(local.exit_code, 125) << Describe(local);
    EXPECT_EQ(Run({"ls", "/run/berth"}).out, "");
}

TEST_F(BerthctlClientTest, ForegroundRunIsTheMonitorsChildAndGetsOurSignals) {
    std::string out = dir_ + "/fg.out";
    // One shell: berthctl in the background, the init's parent while it runs, then SIGTERM to
    // berthctl, which passes it on (KillContainer); the trap's 9 becomes berthctl's exit code.
    auto r = RunShell(ViaBerthdCommand("run --rootfs " + rootfs_ + " --name fgsleep -- /bin/sh -c "
                                       "'echo started; trap \"exit 9\" TERM; while :; do sleep 0.1; done'") +
                      " > " + out + " 2>&1 & P=$!; for i in $(seq 300); do grep -q started " + out +
                      " && break; sleep 0.1; done; "
                      "L=$(busctl get-property org.berth1 /org/berth1/container/fgsleep org.berth1.Container Leader"
                      " | cut -d' ' -f2); echo \"parent=$(tr '\\0' ' ' < /proc/$(awk '/^PPid:/{print $2}' "
                      "/proc/$L/status)/cmdline)\"; kill -TERM $P; wait $P; echo \"exit=$?\"");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.out.find("berthd --monitor-server"), std::string::npos) << Describe(r);
    EXPECT_NE(r.out.find("exit=9\n"), std::string::npos) << Describe(r);
    EXPECT_EQ(ReadFileIfExists(out).value_or(""), "started\n");
    EXPECT_EQ(ErrorNameOf("GetContainer", {"fgsleep"}), "org.berth1.Error.NoSuchContainer") << "removed after exit";
}

TEST_F(BerthctlClientTest, DetachedRunAndExecGoThroughBerthd) {
    auto r = ViaBerthd("run --detach --rootfs " + rootfs_ + " --name det -- /bin/sh -c "
                       "'echo detached-out; trap \"exit 7\" TERM; while :; do sleep 0.1; done'");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("det", "State"), "s \"running\"");
    EXPECT_NE(LeadersParent("det").find("berthd --monitor-server"), std::string::npos) << LeadersParent("det");
    bool logged = false;
    for (int i = 0; i < 300 && !logged; ++i, std::this_thread::sleep_for(100ms))
        logged = Run({"journalctl", "CONTAINER_NAME=det", "--no-pager"}).out.find("detached-out") != std::string::npos;
    EXPECT_TRUE(logged) << "a detached container's output goes to the journal";

    const std::string exec =
        "exec --env FOO=bar --cwd /proc det -- /bin/sh -c 'echo exec-out:$FOO:$PWD; echo exec-err >&2; exit 4'";
    auto daemon = ViaBerthd(exec);
    auto local = InProcess(exec);
    EXPECT_EQ(daemon.exit_code, 4) << Describe(daemon);
    EXPECT_EQ(daemon.out, "exec-out:bar:/proc\n");
    EXPECT_EQ(daemon.err, "exec-err\n");
    EXPECT_EQ(local.exit_code, daemon.exit_code) << Describe(local);
    EXPECT_EQ(local.out, daemon.out);
    EXPECT_EQ(local.err, daemon.err);

    // The exec'd process is berthd's child; SIGTERM to berthctl reaches it; 128+15 comes back.
    r = RunShell(ViaBerthdCommand("exec det -- /bin/sleep 4242") + " & P=$!; "
                 "for i in $(seq 300); do S=$(pgrep -f '^/bin/sleep 4242') && break; sleep 0.1; done; "
                 "echo \"parent=$(awk '/^PPid:/{print $2}' /proc/$S/status)\"; "
                 "echo \"berthd=$(systemctl show -P MainPID " + unit_ + ")\"; kill -TERM $P; wait $P; echo \"exit=$?\"");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("parent=([0-9]+)\nberthd=([0-9]+)\nexit=([0-9]+)")))
        << Describe(r);
    EXPECT_EQ(m[1], m[2]) << "the exec'd process is berthd's child";
    EXPECT_EQ(m[3], "143");

    r = ViaBerthd("kill det TERM");
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(WaitForProperty("det", "ExitStatus", "i 7"));
}

// Churn (issue 14) with the systemd driver, through berthd: BERTH_CHURN_CYCLES (default 500)
// foreground runs, detached runs removed again, and execs into one container. Afterwards no unit,
// cgroup dir, mount, state entry or process is left, berthd holds as many fds as after warm-up and
// its RSS is within 1 MiB of it.
TEST_F(BerthctlClientTest, ChurnThroughBerthdLeaksNothing) {
    const char* text = std::getenv("BERTH_CHURN_CYCLES");
    const int cycles = text != nullptr && std::atoi(text) > 0 ? std::atoi(text) : 500;
    const std::string berthctl = "env -u BERTH_CONFIG_PATH -u BERTH_STATE_DIR " + kBerthctl;
    // One private mount namespace hides /run/berth for the whole loop (see ViaBerthdCommand).
    auto loop = [&](int from, int to) {
        std::string script =
            "mount -t tmpfs berth-hidden /run/berth || exit 1\n"
            "B='" + berthctl + "'\n"
            "for i in $(seq " + std::to_string(from) + " " + std::to_string(to) + "); do\n"
            "  $B run --rootfs " + rootfs_ + " --name fg$i -- /bin/sh -c 'exit 3'; rc=$?\n"
            "  [ $rc = 3 ] || { echo \"run cycle $i: rc $rc\"; exit 1; }\n"
            "  $B run --detach --rootfs " + rootfs_ + " --name det$i -- /bin/sleep 1000 >/dev/null ||"
            " { echo \"run --detach cycle $i\"; exit 1; }\n"
            "  $B rm --force det$i || { echo \"rm cycle $i\"; exit 1; }\n"
            "  $B exec churn -- /bin/sh -c 'exit 4'; rc=$?\n"
            "  [ $rc = 4 ] || { echo \"exec cycle $i: rc $rc\"; exit 1; }\n"
            "done\n";
        return RunShell("unshare -m /bin/sh -c '" + std::regex_replace(script, std::regex("'"), "'\\''") + "'",
                        std::chrono::milliseconds(3600s));
    };
    // What a leak would change: the fds and RSS of berthd and of its monitor (the parent of every
    // container's init), units, cgroup dirs, mounts, state entries.
    auto counts = [&] {
        return RunShell("P=$(systemctl show -P MainPID " + unit_ + "); "
                        "echo fds=$(ls /proc/$P/fd | wc -l); "
                        "echo rss=$(awk '/^VmRSS:/{print $2}' /proc/$P/status); "
                        "M=$(awk '/^PPid:/{print $2}' /proc/" + Property("churn", "Leader").substr(2) + "/status); "
                        "echo monitor_fds=$(ls /proc/$M/fd | wc -l); "
                        "echo monitor_rss=$(awk '/^VmRSS:/{print $2}' /proc/$M/status); "
                        "echo units=$(systemctl list-units --all --no-legend 'berth-*' | wc -l); "
                        "echo cgroups=$(find /sys/fs/cgroup -type d -name 'berth-*.scope' 2>/dev/null | wc -l); "
                        "echo mounts=$(wc -l < /proc/self/mountinfo); "
                        "echo state=$(ls /run/berth | wc -l)")
            .out;
    };
    auto value = [](const std::string& report, const std::string& key) {
        std::smatch m;
        return std::regex_search(report, m, std::regex(key + "=([0-9]+)")) ? std::stol(m[1]) : -1;
    };
    auto r = RunShell(ViaBerthdCommand("run --detach --rootfs " + rootfs_ + " --name churn -- /bin/sleep 100000"));
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    const std::string before = counts();
    const int warm_up = std::min(cycles, 50);
    r = loop(1, warm_up);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    const std::string warm = counts();
    if (cycles > warm_up) {
        r = loop(warm_up + 1, cycles);
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
    }
    const std::string after = counts();
    for (const char* key : {"units", "cgroups", "mounts", "state"})
        EXPECT_EQ(value(after, key), value(before, key)) << key << "\nbefore: " << before << "\nafter: " << after;
    for (const char* key : {"fds", "monitor_fds"})
        EXPECT_EQ(value(after, key), value(warm, key)) << key << "\nafter warm-up: " << warm << "\nafter: " << after;
    for (const char* key : {"rss", "monitor_rss"})
        EXPECT_LE(value(after, key), value(warm, key) + 1024) << key << " KiB; after warm-up: " << warm
                                                              << "\nafter: " << after;
    EXPECT_GT(value(after, "monitor_fds"), 0) << after;
    r = ViaBerthd("ps churn");
    EXPECT_EQ(testing::SplitLines(r.out).size(), 1u) << "the init alone: " << Describe(r);
    EXPECT_EQ(ViaBerthd("rm --force churn").exit_code, 0);
}

// Containers waiting for their go file (rootfs/tmp/go-NAME) before they exit with their own code,
// so each exits exactly when the test says: before, during or after berthd's restart.
class ExitRecordTest : public BerthctlClientTest {
protected:
    void RunWaiting(const std::string& name, int code) {
        unlink((rootfs_ + "/tmp/go-" + name).c_str());
        WriteConfig(name, "[\"/bin/sh\", \"-c\", \"trap 'exit " + std::to_string(code) + "' TERM; while [ ! -e /tmp/go-" +
                              name + " ]; do sleep 0.1; done; exit " + std::to_string(code) + "\"]");
        auto r = Call("RunContainer", "ssa{sv}", {name, "", "0"});
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
        ASSERT_EQ(Property(name, "State"), "s \"running\"");
    }
    void Go(const std::string& name) { WriteFileAtomic(rootfs_ + "/tmp/go-" + name, ""); }
    // The monitor wrote the exit status into the state dir (what berthd finds when it starts).
    bool WaitForRecordedExit(const std::string& name, int code) {
        std::string wanted = "exit_code = " + std::to_string(code);
        for (int i = 0; i < 300; ++i, std::this_thread::sleep_for(100ms))
            if (Run({"cat", "/run/berth/" + name + "/state.toml"}).out.find(wanted) != std::string::npos)
                return true;
        return false;
    }
    void KillBerthd() {
        auto r = RunShell("kill -9 $(systemctl show -P MainPID " + unit_ + ")");
        ASSERT_EQ(r.exit_code, 0) << Describe(r);
        killed_units_.push_back(unit_);
    }
    // Every reader says the same: the bus properties, berthctl state and list through berthd, and
    // berthctl standalone on the state dir.
    void ExpectStoppedWith(const std::string& name, int code) {
        SCOPED_TRACE(name);
        EXPECT_TRUE(WaitForProperty(name, "ExitStatus", "i " + std::to_string(code))) << Property(name, "ExitStatus");
        EXPECT_EQ(Property(name, "State"), "s \"stopped\"");
        EXPECT_EQ(Property(name, "Leader"), "u 0");
        const std::string exit_field = "\"exit_code\" : " + std::to_string(code);
        for (const auto& r : {ViaBerthd("state " + name), InProcess("state " + name)}) {
            EXPECT_EQ(r.exit_code, 0) << Describe(r);
            EXPECT_NE(r.out.find("\"status\" : \"stopped\""), std::string::npos) << r.out;
            EXPECT_NE(r.out.find(exit_field), std::string::npos) << r.out;
        }
        auto daemon_list = ViaBerthd("list --json");
        auto local_list = InProcess("list --json");
        // Only this container's entry: the others of the test may exit between the two listings.
        auto entry_of = [&name](const std::string& list) {
            for (const auto& e : nlohmann::json::parse(list, nullptr, false))
                if (e.is_object() && e.value("id", "") == name)
                    return e.dump();
            return std::string("(none)");
        };
        EXPECT_EQ(entry_of(daemon_list.out), entry_of(local_list.out)) << daemon_list.out << local_list.out;
        EXPECT_NE(daemon_list.out.find(exit_field + ",\n        \"id\" : \"" + name + "\""), std::string::npos)
            << daemon_list.out;
        std::smatch row;
        auto table = ViaBerthd("list");
        EXPECT_TRUE(std::regex_search(table.out, row, std::regex("\\n" + name + " +0 +stopped "))) << table.out;
    }
    void TearDown() override {
        for (const auto& unit : killed_units_) {
            Run({"systemctl", "stop", unit});
            Run({"systemctl", "reset-failed", unit});
        }
        BerthctlClientTest::TearDown();
    }
    std::vector<std::string> killed_units_;
};

TEST_F(ExitRecordTest, ExitsBeforeDuringAndAfterARestartAreRecordedForEveryReader) {
    RunWaiting("before", 11);
    RunWaiting("during", 12);
    RunWaiting("after", 13);
    RunWaiting("scopestop", 14);
    std::string after_leader = Property("after", "Leader").substr(2);
    KillBerthd();
    if (HasFatalFailure())
        return;

    // While berthd is down: one exits on its own, one's scope is stopped by systemd (SIGTERM: its trap's 14).
    Go("before");
    ASSERT_TRUE(WaitForRecordedExit("before", 11)) << "the monitor records the exit without berthd";
    auto r = Run({"systemctl", "stop", "berth-scopestop.scope"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    ASSERT_TRUE(WaitForRecordedExit("scopestop", 14)) << Run({"cat", "/run/berth/scopestop/state.toml"}).out;
    // One exits while the new berthd starts and re-adopts.
    Go("during");
    StartBerthd("/run/berth");

    std::string log = dir_ + "/exit-signals.log";
    r = RunShell("busctl monitor --match=\"type='signal',sender='org.berth1',path='/org/berth1/container/after'\" > " +
                 log + " 2>&1 & echo $! > " + dir_ + "/exit-monitor.pid; for i in $(seq 100); do grep -q Monitoring " +
                 log + " 2>/dev/null && exit 0; sleep 0.1; done; exit 1");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("after", "State"), "s \"running\"");
    EXPECT_EQ(Property("after", "Leader"), "u " + after_leader);
    // And one after: the re-adopted container is watched as closely as a new one.
    Go("after");

    ExpectStoppedWith("before", 11);
    ExpectStoppedWith("during", 12);
    ExpectStoppedWith("after", 13);
    ExpectStoppedWith("scopestop", 14);
    std::string seen;
    for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms))
        if ((seen = ReadFileIfExists(log).value_or("")).find("INT32 13") != std::string::npos)
            break;
    RunShell("kill $(cat " + dir_ + "/exit-monitor.pid)");
    EXPECT_NE(seen.find("STRING \"ExitStatus\""), std::string::npos) << seen;
    EXPECT_NE(seen.find("INT32 13"), std::string::npos) << "PropertiesChanged carries the exit status\n" << seen;
}

// A change made beside berthd (berthctl standalone on its state dir) reaches the bus too: berthd
// follows the state dir, so its properties never disagree with `berthctl state`.
TEST_F(ExitRecordTest, ChangesMadeBesideBerthdReachTheBus) {
    RunWaiting("beside", 21);
    auto r = InProcess("pause beside");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(WaitForProperty("beside", "State", "s \"paused\"")) << Property("beside", "State");
    r = InProcess("resume beside");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(WaitForProperty("beside", "State", "s \"running\"")) << Property("beside", "State");
    Go("beside");
    ExpectStoppedWith("beside", 21);
    r = InProcess("rm beside");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    std::string gone;
    for (int i = 0; i < 300 && gone != "org.berth1.Error.NoSuchContainer"; ++i, std::this_thread::sleep_for(100ms))
        gone = ErrorNameOf("GetContainer", {"beside"});
    EXPECT_EQ(gone, "org.berth1.Error.NoSuchContainer") << "the object goes with the container";
}

// The bus closes a connection left unauthenticated past its auth_timeout (4 s here, see
// dbus-short-auth-timeout.conf): berthd's spare monitor and its own connection to systemd, opened
// before a pause, must serve after it as they do right after the start.
TEST_F(BerthctlClientTest, RunExecAndForegroundRunWorkAfterIdlingPastTheBusAuthTimeout) {
    constexpr auto kPastAuthTimeout = 5s;
    std::this_thread::sleep_for(kPastAuthTimeout);
    auto r = ViaBerthd("run --detach --rootfs " + rootfs_ + " --name idler -- /bin/sh -c 'while :; do sleep 0.1; done'");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    // Listing a running container makes berthd itself connect to systemd (IsFrozen reads no bus).
    ASSERT_EQ(ViaBerthd("list").exit_code, 0);
    std::this_thread::sleep_for(kPastAuthTimeout);
    r = ViaBerthd("exec idler -- /bin/sh -c 'exit 4'");
    EXPECT_EQ(r.exit_code, 4) << Describe(r);
    std::this_thread::sleep_for(kPastAuthTimeout);
    r = ViaBerthd("run --rootfs " + rootfs_ + " --name idlefg -- /bin/sh -c 'echo fg; exit 6'");
    EXPECT_EQ(r.exit_code, 6) << Describe(r);
    EXPECT_EQ(r.out, "fg\n");
    EXPECT_EQ(Property("idler", "State"), "s \"running\"");
}

TEST_F(BerthctlClientTest, CheckpointAndRestoreGoThroughBerthd) {
    if (RunOnHost({"/bin/sh", "-c", "criu check"}).exit_code != 0)
        GTEST_SKIP() << "CRIU unusable here (criu check fails or criu is missing)";
    CreateAndStart("moved");
    std::string images = dir_ + "/images";
    MakeDirs(images);
    // With /run/berth hidden from berthctl, only berthd can find "moved".
    auto r = ViaBerthd("checkpoint moved --image-path " + images);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("moved", "State"), "s \"checkpointed\"");
    r = ViaBerthd("restore moved --image-path " + images + " --detach");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Property("moved", "State"), "s \"running\"");
    EXPECT_NE(LeadersParent("moved").find("berthd --monitor-server"), std::string::npos) << LeadersParent("moved");

    // In the foreground: berthctl waits, passes SIGTERM on, exits with the trap's 7, removes it.
    std::string again = dir_ + "/images-again";
    MakeDirs(again);
    r = ViaBerthd("checkpoint moved --image-path " + again);
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    r = RunShell(ViaBerthdCommand("restore moved --image-path " + again) + " > " + dir_ + "/restore.out 2>&1 & P=$!; "
                 "for i in $(seq 300); do busctl get-property org.berth1 /org/berth1/container/moved "
                 "org.berth1.Container State | grep -q running && break; sleep 0.1; done; "
                 "L=$(busctl get-property org.berth1 /org/berth1/container/moved org.berth1.Container Leader"
                 " | cut -d' ' -f2); echo \"parent=$(tr '\\0' ' ' < /proc/$(awk '/^PPid:/{print $2}' "
                 "/proc/$L/status)/cmdline)\"; kill -TERM $P; wait $P; echo \"exit=$?\"");
    EXPECT_NE(r.out.find("berthd --monitor-server"), std::string::npos) << Describe(r);
    EXPECT_NE(r.out.find("exit=7\n"), std::string::npos) << Describe(r)
                                                          << ReadFileIfExists(dir_ + "/restore.out").value_or("");
    EXPECT_EQ(ErrorNameOf("GetContainer", {"moved"}), "org.berth1.Error.NoSuchContainer") << "removed after exit";
}

TEST_F(DaemonTest, BerthAtServiceRunsAndPropagatesExitCodes) {
    std::string unit = ReadFile(kSourceRoot + "/units/berth@.service.in");
    unit = std::regex_replace(unit, std::regex("@sbindir@/berthctl"), kBerthctl);
    WriteFileAtomic(dir_ + "/berth@.service", unit);
    MakeDirs(dir_ + "/berth@.service.d");
    WriteFileAtomic(dir_ + "/berth@.service.d/test.conf", "[Service]\nEnvironment=BERTH_CONFIG_PATH=" + dir_ +
                                                               "/conf BERTH_STATE_DIR=" + dir_ + "/state\n");
    auto r = RunShell("mkdir -p /run/systemd/system && cp " + dir_ + "/berth@.service /run/systemd/system/ && "
                      "cp -r " + dir_ + "/berth@.service.d /run/systemd/system/ && systemctl daemon-reload");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);

    r = Run({"systemctl", "start", "berth@quick"});
    for (int i = 0; i < 300 && Trim(Run({"systemctl", "is-active", "berth@quick"}).out) == "active"; ++i)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "ExecMainStatus", "berth@quick"}).out), "3");
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "Result", "berth@quick"}).out), "exit-code");
    Run({"systemctl", "reset-failed", "berth@quick"});

    r = Run({"systemctl", "start", "berth@sleeper"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    bool up = false;
    for (int i = 0; i < 300 && !up; ++i, std::this_thread::sleep_for(100ms))
        up = ReadFileIfExists(dir_ + "/state/sleeper/state.toml").value_or("").find("status = 'running'") !=
             std::string::npos;
    EXPECT_TRUE(up) << "the service's container runs";
    EXPECT_EQ(Trim(Run({"systemctl", "is-active", "berth@sleeper"}).out), "active");
    // Type=notify: start returned because berthctl sent READY=1 (with its status line).
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "Type", "berth@sleeper"}).out), "notify");
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "StatusText", "berth@sleeper"}).out),
              "Container sleeper started");
    r = Run({"systemctl", "stop", "berth@sleeper"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "ExecMainStatus", "berth@sleeper"}).out), "7")
        << "SIGTERM reached the container's trap";
    Run({"systemctl", "reset-failed", "berth@sleeper"});
    EXPECT_FALSE(PathExists(dir_ + "/state/sleeper"));
    EXPECT_FALSE(PathExists(dir_ + "/state/quick"));

    // notify = "container": ready only when the container's program sends READY=1 (the host's
    // systemd-notify, run by the host's loader from a read-only /usr mounted in).
    const std::string go = "/go-notifier";
    const std::string notify =
        "/host/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path "
        "/host/usr/lib/x86_64-linux-gnu:/host/usr/lib/x86_64-linux-gnu/systemd /host/usr/bin/systemd-notify";
    WriteFileAtomic(dir_ + "/conf/notifier.toml",
                    "rootfs = \"" + rootfs_ + "\"\nnotify = \"container\"\n[process]\nargs = [\"/bin/sh\", \"-c\", "
                    "\"while [ ! -e " + go + " ]; do sleep 0.1; done; " + notify +
                    " --ready --status=container-ready; trap 'exit 0' TERM; while :; do sleep 0.1; done\"]\n"
                    "[[mounts]]\ntype = \"bind\"\nsource = \"/usr\"\ndestination = \"/host/usr\"\n"
                    "options = [\"rbind\", \"ro\"]\n");
    r = Run({"systemctl", "start", "--no-block", "berth@notifier"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    up = false;
    for (int i = 0; i < 300 && !up; ++i, std::this_thread::sleep_for(100ms))
        up = ReadFileIfExists(dir_ + "/state/notifier/state.toml").value_or("").find("status = 'running'") !=
             std::string::npos;
    EXPECT_TRUE(up) << "the container runs";
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "ActiveState", "berth@notifier"}).out), "activating")
        << "not ready before the container says so";
    WriteFileAtomic(rootfs_ + go, "");
    std::string active;
    for (int i = 0; i < 300 && active != "active"; ++i, std::this_thread::sleep_for(100ms))
        active = Trim(Run({"systemctl", "show", "-P", "ActiveState", "berth@notifier"}).out);
    Run({"rm", "-f", rootfs_ + go});
    EXPECT_EQ(active, "active") << Describe(Run({"systemctl", "status", "--no-pager", "berth@notifier"}));
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "StatusText", "berth@notifier"}).out), "container-ready");
    Run({"systemctl", "stop", "berth@notifier"});
    Run({"systemctl", "reset-failed", "berth@notifier"});

    // Restart=on-failure: quick exits 3 each time and systemd starts it again.
    r = RunShell("mkdir -p /run/systemd/system/berth@quick.service.d && printf '[Service]\\nRestart=on-failure\\n"
                 "RestartSec=100ms\\n' > /run/systemd/system/berth@quick.service.d/restart.conf && "
                 "systemctl daemon-reload && systemctl start berth@quick");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    int restarts = 0;
    for (int i = 0; i < 300 && restarts < 2; ++i, std::this_thread::sleep_for(100ms))
        restarts = std::atoi(Trim(Run({"systemctl", "show", "-P", "NRestarts", "berth@quick"}).out).c_str());
    EXPECT_GE(restarts, 2) << Describe(Run({"systemctl", "status", "--no-pager", "berth@quick"}));
    Run({"systemctl", "stop", "berth@quick"});
    Run({"systemctl", "reset-failed", "berth@quick"});
    EXPECT_FALSE(PathExists(dir_ + "/state/quick")) << "each run removed its container";
    RunShell("rm -rf /run/systemd/system/berth@.service /run/systemd/system/berth@.service.d "
             "/run/systemd/system/berth@quick.service.d && systemctl daemon-reload");
}

TEST_F(DaemonTest, BusActivationStartsBerthdService) {
    // The shipped berthd.service (binary path substituted) and org.berth1.service: the first call
    // to org.berth1 makes dbus ask systemd for berthd.service, which owns the name once READY=1.
    StopBerthd();
    std::string unit = std::regex_replace(ReadFile(kSourceRoot + "/units/berthd.service.in"),
                                          std::regex("ExecStart=@sbindir@/berthd"),
                                          "ExecStart=" + kBerthd + " --state-dir " + dir_ + "/state --config-path " +
                                              dir_ + "/conf --log-dir " + dir_ + "/log");
    WriteFileAtomic(dir_ + "/berthd.service", unit);
    auto r = RunShell("cp " + dir_ + "/berthd.service /run/systemd/system/ && systemctl daemon-reload");
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    Harness().AddFilesInside("/usr/share/dbus-1/system-services", {kSourceRoot + "/dbus/org.berth1.service"});
    Run({"systemctl", "reload", "dbus"});
    r = Call("ListContainers", "", {});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(Trim(r.out), "a(ssso) 0");
    EXPECT_EQ(Trim(Run({"systemctl", "is-active", "berthd.service"}).out), "active");
    EXPECT_EQ(Trim(Run({"systemctl", "show", "-P", "Type", "berthd.service"}).out), "notify");
    unit_ = "berthd.service";  // TearDown stops it
    RunShell("rm -f /run/systemd/system/berthd.service /usr/share/dbus-1/system-services/org.berth1.service; "
             "systemctl reload dbus");
}

}  // namespace
}  // namespace berth::harness
