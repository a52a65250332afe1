#include "cgroup/systemd_manager.hpp"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstring>
#include <type_traits>

#include "util/error.hpp"
#include "util/log.hpp"

namespace berth::cgroup {
namespace {

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";
constexpr const char* kNoSuchUnit = "org.freedesktop.systemd1.NoSuchUnit";
constexpr const char* kUnitExists = "org.freedesktop.systemd1.UnitExists";
constexpr uint64_t kQuickCallUsec = 5'000'000;

void Check(int r, const std::string& context) { CheckNegErrno(r, context); }

MessagePtr NewMethodCall(sd_bus* bus, const char* method) {
    sd_bus_message* m = nullptr;
    Check(sd_bus_message_new_method_call(bus, &m, kService, kManagerPath, kManagerInterface, method),
          std::string("Failed to create D-Bus call ") + method);
    return MessagePtr(m);
}

std::string UnitObjectPath(const std::string& unit) {
    char* path = nullptr;
    Check(sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit.c_str(), &path), "Failed to encode unit path");
    std::string out = path;
    free(path);
    return out;
}

// Calls a manager method taking only the unit name and perhaps more simple arguments.
template <typename... Args>
int CallManager(sd_bus* bus, const char* method, BusError& error, MessagePtr* reply, const char* types,
                Args... args) {
    sd_bus_message* out = nullptr;
    int r = sd_bus_call_method(bus, kService, kManagerPath, kManagerInterface, method, error.Get(),
                               reply != nullptr ? &out : nullptr, types, args...);
    if (reply != nullptr)
        reply->reset(out);
    return r;
}

}  // namespace

void AppendUnitProperty(sd_bus_message* m, const UnitProperty& p) {
    const std::string context = "Failed to append unit property " + p.name;
    Check(sd_bus_message_open_container(m, 'r', "sv"), context);
    Check(sd_bus_message_append(m, "s", p.name.c_str()), context);
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>) {
                Check(sd_bus_message_append(m, "v", "b", static_cast<int>(v)), context);
            } else if constexpr (std::is_same_v<T, uint64_t>) {
                Check(sd_bus_message_append(m, "v", "t", v), context);
            } else if constexpr (std::is_same_v<T, std::string>) {
                Check(sd_bus_message_append(m, "v", "s", v.c_str()), context);
            } else if constexpr (std::is_same_v<T, std::vector<uint32_t>>) {
                Check(sd_bus_message_open_container(m, 'v', "au"), context);
                Check(sd_bus_message_append_array(m, 'u', v.data(), v.size() * sizeof(uint32_t)), context);
                Check(sd_bus_message_close_container(m), context);
            } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
                Check(sd_bus_message_open_container(m, 'v', "ay"), context);
                Check(sd_bus_message_append_array(m, 'y', v.data(), v.size()), context);
                Check(sd_bus_message_close_container(m), context);
            } else if constexpr (std::is_same_v<T, std::vector<PidFdValue>>) {
                Check(sd_bus_message_open_container(m, 'v', "ah"), context);
                Check(sd_bus_message_open_container(m, 'a', "h"), context);
                for (const PidFdValue& fd : v)
                    Check(sd_bus_message_append(m, "h", fd.fd), context);
                Check(sd_bus_message_close_container(m), context);
                Check(sd_bus_message_close_container(m), context);
            } else if constexpr (std::is_same_v<T, DeviceAllowList>) {
                Check(sd_bus_message_open_container(m, 'v', "a(ss)"), context);
                Check(sd_bus_message_open_container(m, 'a', "(ss)"), context);
                for (const auto& [device, access] : v)
                    Check(sd_bus_message_append(m, "(ss)", device.c_str(), access.c_str()), context);
                Check(sd_bus_message_close_container(m), context);
                Check(sd_bus_message_close_container(m), context);
            }
        },
        p.value);
    Check(sd_bus_message_close_container(m), context);
}

namespace {
std::mutex shared_mutex;
SystemdManager* shared_managers[2] = {nullptr, nullptr};  // live until exit: no teardown-order issues
}  // namespace

SystemdManager& SystemdManager::Shared(SystemdBus which) {
    SystemdManager* manager;
    {
        std::lock_guard guard(shared_mutex);
        SystemdManager*& shared_manager = shared_managers[which == SystemdBus::User];
        if (!shared_manager)
            shared_manager = new SystemdManager(which);
        manager = shared_manager;
    }
    std::lock_guard lock(manager->mutex_);
    manager->Bus();
    return *manager;
}

void SystemdManager::DisconnectShared() {
    for (int i = 0; i < 2; ++i) {
        SystemdManager* manager;
        {
            std::lock_guard guard(shared_mutex);
            manager = shared_managers[i];
        }
        if (!manager)
            continue;
        std::lock_guard lock(manager->mutex_);
        if (!manager->bus_ || manager->owner_pid_ != ::getpid())
            continue;
        manager->Disconnect();
    }
}

void SystemdManager::Disconnect() {
    job_removed_slot_.reset();
    version_slot_.reset();
    bus_.reset();
    finished_jobs_.clear();
    version_error_.clear();
}

void SystemdManager::DropDeadConnection() {
    if (!bus_ || owner_pid_ != ::getpid())
        return;
    // The bus closes a connection that stays unauthenticated past its auth_timeout (dbus-daemon:
    // 30 s), or all of them when it restarts; sd-bus notices only when it reads. Read what is there.
    int r;
    while ((r = sd_bus_process(bus_.get(), nullptr)) > 0) {
    }
    if (r >= 0 && sd_bus_is_open(bus_.get()) > 0)
        return;
    LogDebug(std::string("The connection to systemd is closed (") + (r < 0 ? strerror(-r) : "by the bus") +
             "): connecting again");
    Disconnect();
}

bool SystemdManager::Reachable(SystemdBus which) {
    if (which == SystemdBus::System && sd_booted() <= 0)
        return false;
    try {
        return Shared(which).Version() > 0;
    } catch (const Error& e) {
        LogDebug(std::string(e.what()) + (which == SystemdBus::System ? " (using the cgroupfs driver)" : ""));
        return false;
    }
}

sd_bus* SystemdManager::Bus() {
    // Not while a job is watched: its wait reads the bus itself, and a reconnect would lose the match.
    if (!job_removed_slot_)
        DropDeadConnection();
    if (bus_ && owner_pid_ == ::getpid())
        return bus_.get();
    if (bus_) {
        // A forked child must not touch its parent's connection, not even to unref it.
        (void)job_removed_slot_.release();
        (void)version_slot_.release();
        (void)bus_.release();
        finished_jobs_.clear();
        version_error_.clear();
    }
    sd_bus* bus = nullptr;
    if (which_ == SystemdBus::User)
        Check(sd_bus_open_user(&bus), "Failed to connect to the user bus (systemd --user)");
    else
        Check(sd_bus_open_system(&bus), "Failed to connect to the system bus");
    BusPtr owned(bus);
    // Hello and the Version query go out together without waiting for each other's reply; the
    // answer arrives while the caller prepares the container.
    if (version_ < 0) {
        sd_bus_slot* version_slot = nullptr;
        Check(sd_bus_call_method_async(bus, &version_slot, kService, kManagerPath, "org.freedesktop.DBus.Properties",
                                       "Get", OnVersion, this, "ss", kManagerInterface, "Version"),
              "Failed to ask for systemd's Version");
        version_slot_.reset(version_slot);
    }
    bus_ = std::move(owned);
    owner_pid_ = ::getpid();
    return bus_.get();
}

void SystemdManager::WatchJobs() {
    if (job_removed_slot_)
        return;
    sd_bus_slot* slot = nullptr;
    // Sent before the job's request (the bus keeps one sender's order), so its JobRemoved is not
    // missed. Without an install callback a refused match closes the connection: the call then fails.
    Check(sd_bus_match_signal_async(Bus(), &slot, kService, kManagerPath, kManagerInterface, "JobRemoved",
                                    OnJobRemoved, nullptr, this),
          "Failed to subscribe to systemd's JobRemoved signal");
    job_removed_slot_.reset(slot);
}

void SystemdManager::UnwatchJobs() {
    // Subscribed only while we wait: otherwise the bus queues every job of the system for us.
    job_removed_slot_.reset();
    finished_jobs_.clear();
}

int SystemdManager::OnVersion(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<SystemdManager*>(userdata);
    self->version_slot_.reset();
    const char* text = nullptr;
    if (const sd_bus_error* error = sd_bus_message_get_error(m)) {
        self->version_error_ = error->message != nullptr ? error->message : error->name;
    } else if (sd_bus_message_read(m, "v", "s", &text) < 0 || text == nullptr) {
        self->version_error_ = "malformed reply";
    } else {
        self->version_ = ParseSystemdVersion(text);
        LogDebug(std::string("systemd version ") + text);
    }
    return 0;
}

int SystemdManager::OnJobRemoved(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<SystemdManager*>(userdata);
    uint32_t id = 0;
    const char *job = nullptr, *unit = nullptr, *result = nullptr;
    if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
        return 0;
    self->finished_jobs_[job] = result;
    // Jobs of other clients arrive too; keep the record bounded in a long-running daemon.
    if (self->finished_jobs_.size() > 1024 && self->finished_jobs_.begin()->first != job)
        self->finished_jobs_.erase(self->finished_jobs_.begin());
    return 0;
}

int SystemdManager::Version() {
    std::lock_guard lock(mutex_);
    sd_bus* bus = Bus();
    while (version_ < 0 && version_error_.empty()) {
        if (!version_slot_)
            throw Error("Failed to read systemd's Version: no query pending");
        int r = sd_bus_process(bus, nullptr);
        Check(r, "Failed to process the system bus while reading systemd's Version");
        if (r > 0)
            continue;
        // The pending call's own timeout bounds this wait (sd-bus then answers it with an error).
        r = sd_bus_wait(bus, UINT64_MAX);
        if (r < 0 && r != -EINTR)
            Check(r, "Failed to wait on the system bus for systemd's Version");
    }
    if (version_ < 0)
        throw Error("Failed to read systemd's Version: " + version_error_);
    return version_;
}

std::string SystemdManager::WaitForJob(const std::string& job, const std::string& unit,
                                       std::chrono::microseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto it = finished_jobs_.find(job); it != finished_jobs_.end()) {
            std::string result = it->second;
            finished_jobs_.erase(it);
            return result;
        }
        int r = sd_bus_process(Bus(), nullptr);
        Check(r, "Failed to process the system bus while waiting for " + unit);
        if (r > 0)
            continue;
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw Error("Failed to wait for the job of " + unit + ": no result within " +
                            std::to_string(timeout.count() / 1000) + " ms",
                        ETIMEDOUT);
        r = sd_bus_wait(Bus(), static_cast<uint64_t>(left.count()));
        if (r < 0 && r != -EINTR)
            Check(r, "Failed to wait on the system bus for " + unit);
    }
}

std::optional<std::string> SystemdManager::CallStartTransientUnit(const std::string& unit,
                                                                  const std::vector<UnitProperty>& properties,
                                                                  std::chrono::microseconds timeout,
                                                                  const std::function<void()>& while_waiting,
                                                                  BusError& error, int& r) {
    sd_bus* bus = Bus();
    MessagePtr call = NewMethodCall(bus, "StartTransientUnit");
    const std::string context = "Failed to build StartTransientUnit for " + unit;
    Check(sd_bus_message_append(call.get(), "ss", unit.c_str(), "fail"), context);
    Check(sd_bus_message_open_container(call.get(), 'a', "(sv)"), context);
    for (const UnitProperty& p : properties)
        AppendUnitProperty(call.get(), p);
    Check(sd_bus_message_close_container(call.get()), context);
    Check(sd_bus_message_append(call.get(), "a(sa(sv))", 0), context);
    MessagePtr reply;
    auto on_reply = [](sd_bus_message* m, void* userdata, sd_bus_error*) -> int {
        static_cast<MessagePtr*>(userdata)->reset(sd_bus_message_ref(m));
        return 0;
    };
    sd_bus_slot* slot_raw = nullptr;
    Check(sd_bus_call_async(bus, &slot_raw, call.get(), on_reply, &reply, static_cast<uint64_t>(timeout.count())),
          "Failed to send StartTransientUnit for " + unit);
    SlotPtr slot(slot_raw);
    if (while_waiting) {
        Check(sd_bus_flush(bus), "Failed to send StartTransientUnit for " + unit);
        while_waiting();
    }
    while (!reply) {
        r = sd_bus_process(bus, nullptr);
        Check(r, "Failed to process the system bus while starting " + unit);
        if (r > 0)
            continue;
        // The call's own timeout bounds this wait (sd-bus then answers it with an error).
        r = sd_bus_wait(bus, UINT64_MAX);
        if (r < 0 && r != -EINTR)
            Check(r, "Failed to wait on the system bus for " + unit);
    }
    if (const sd_bus_error* reply_error = sd_bus_message_get_error(reply.get())) {
        int err = sd_bus_message_get_errno(reply.get());
        r = -(err > 0 ? err : EIO);
        sd_bus_error_copy(error.Get(), reply_error);
        return std::nullopt;
    }
    const char* job = nullptr;
    Check(sd_bus_message_read(reply.get(), "o", &job), "Failed to read the job of " + unit);
    return std::string(job);
}

void SystemdManager::StartTransientUnit(const std::string& unit, const std::vector<UnitProperty>& properties,
                                        std::chrono::microseconds timeout, const std::function<void()>& while_waiting) {
    std::lock_guard lock(mutex_);
    JobWatch watch(*this);
    for (int attempt = 0;; ++attempt) {
        BusError error;
        int r = 0;
        std::optional<std::string> job =
            CallStartTransientUnit(unit, properties, timeout, attempt == 0 ? while_waiting : nullptr, error, r);
        if (!job) {
            if (attempt == 0 && error.HasName(kUnitExists) &&
                UnitStringProperty(unit, "org.freedesktop.systemd1.Unit", "ActiveState") == "failed") {
                LogDebug(unit + " exists in the failed state: resetting it and starting again");
                ResetFailedUnit(unit);
                continue;
            }
            CheckBusCall(r, error, "Failed to start transient unit " + unit);
        }
        std::string result = WaitForJob(*job, unit, timeout);
        if (result == "done")
            return;
        bool failed_unit = UnitStringProperty(unit, "org.freedesktop.systemd1.Unit", "ActiveState") == "failed";
        if (attempt == 0 && result == "failed" && failed_unit) {
            LogDebug(unit + " failed to start: resetting it and starting again");
            ResetFailedUnit(unit);
            continue;
        }
        if (failed_unit)
            ResetFailedUnit(unit);  // leave no failed unit behind
        throw Error("Failed to start transient unit " + unit + ": job result '" + result + "'");
    }
}

void SystemdManager::SetUnitProperties(const std::string& unit, const std::vector<UnitProperty>& properties) {
    std::lock_guard lock(mutex_);
    sd_bus* bus = Bus();
    MessagePtr call = NewMethodCall(bus, "SetUnitProperties");
    const std::string context = "Failed to build SetUnitProperties for " + unit;
    Check(sd_bus_message_append(call.get(), "sb", unit.c_str(), 1), context);
    Check(sd_bus_message_open_container(call.get(), 'a', "(sv)"), context);
    for (const UnitProperty& p : properties)
        AppendUnitProperty(call.get(), p);
    Check(sd_bus_message_close_container(call.get()), context);
    BusError error;
    int r = sd_bus_call(bus, call.get(), kQuickCallUsec * 6, error.Get(), nullptr);
    CheckBusCall(r, error, "Failed to set properties of " + unit);
}

bool SystemdManager::KillUnit(const std::string& unit, int signal) {
    std::lock_guard lock(mutex_);
    BusError error;
    int r = CallManager(Bus(), "KillUnit", error, nullptr, "ssi", unit.c_str(), "all", signal);
    if (r < 0 && error.HasName(kNoSuchUnit))
        return false;
    CheckBusCall(r, error, "Failed to kill unit " + unit);
    return true;
}

bool SystemdManager::StopUnit(const std::string& unit, std::chrono::microseconds timeout) {
    std::lock_guard lock(mutex_);
    BusError error;
    MessagePtr reply;
    JobWatch watch(*this);
    int r = CallManager(Bus(), "StopUnit", error, &reply, "ss", unit.c_str(), "replace");
    if (r < 0 && error.HasName(kNoSuchUnit))
        return false;
    CheckBusCall(r, error, "Failed to stop unit " + unit);
    const char* job = nullptr;
    Check(sd_bus_message_read(reply.get(), "o", &job), "Failed to read the stop job of " + unit);
    std::string result = WaitForJob(job, unit, timeout);
    if (result != "done")
        LogDebug("stop job of " + unit + " ended with '" + result + "'");
    return true;
}

void SystemdManager::ResetFailedUnit(const std::string& unit) {
    std::lock_guard lock(mutex_);
    BusError error;
    int r = CallManager(Bus(), "ResetFailedUnit", error, nullptr, "s", unit.c_str());
    if (r < 0 && !error.HasName(kNoSuchUnit))
        LogDebug("ResetFailedUnit " + unit + ": " + error.Describe(r));
}

void SystemdManager::FreezeUnit(const std::string& unit, bool freeze) {
    std::lock_guard lock(mutex_);
    BusError error;
    const char* method = freeze ? "FreezeUnit" : "ThawUnit";
    int r = CallManager(Bus(), method, error, nullptr, "s", unit.c_str());
    CheckBusCall(r, error, std::string("Failed to ") + (freeze ? "freeze" : "thaw") + " unit " + unit);
}

void SystemdManager::AttachProcessesToUnit(const std::string& unit, pid_t pid) {
    std::lock_guard lock(mutex_);
    BusError error;
    int r = CallManager(Bus(), "AttachProcessesToUnit", error, nullptr, "ssau", unit.c_str(), "", 1,
                        static_cast<uint32_t>(pid));
    CheckBusCall(r, error, "Failed to attach process " + std::to_string(pid) + " to unit " + unit);
}

int SystemdManager::CallService(const char* service, const char* path, const char* interface, const char* method,
                                const std::function<void(sd_bus_message*)>& append, BusError& error) {
    std::lock_guard lock(mutex_);
    sd_bus* bus = Bus();
    sd_bus_message* m = nullptr;
    Check(sd_bus_message_new_method_call(bus, &m, service, path, interface, method),
          std::string("Failed to create D-Bus call ") + method);
    MessagePtr call(m);
    append(call.get());
    return sd_bus_call(bus, call.get(), kQuickCallUsec, error.Get(), nullptr);
}

std::optional<std::string> SystemdManager::UnitStringProperty(const std::string& unit, const std::string& interface,
                                                              const std::string& property) {
    std::lock_guard lock(mutex_);
    BusError error;
    MessagePtr reply;
    int r = CallManager(Bus(), "GetUnit", error, &reply, "s", unit.c_str());
    if (r < 0 && error.HasName(kNoSuchUnit))
        return std::nullopt;
    CheckBusCall(r, error, "Failed to look up unit " + unit);
    BusError prop_error;
    char* value = nullptr;
    r = sd_bus_get_property_string(Bus(), kService, UnitObjectPath(unit).c_str(), interface.c_str(), property.c_str(),
                                   prop_error.Get(), &value);
    CheckBusCall(r, prop_error, "Failed to read " + property + " of " + unit);
    std::string out = value;
    free(value);
    return out;
}

}  // namespace berth::cgroup
