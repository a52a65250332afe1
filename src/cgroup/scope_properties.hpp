#pragma once
// The systemd unit properties of a container's scope, as plain data (no bus needed to test).
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/model.hpp"

namespace berth::cgroup {

// A pidfd sent as D-Bus "h" (the caller keeps the fd open until the call returns).
struct PidFdValue {
    int fd = -1;
    friend bool operator==(const PidFdValue&, const PidFdValue&) = default;
};
using DeviceAllowList = std::vector<std::pair<std::string, std::string>>;  // a(ss): specifier, "rwm"
// b, t, s, au (PIDs), ah (PIDFDs), ay (AllowedCPUs), a(ss) (DeviceAllow)
using PropertyValue = std::variant<bool, uint64_t, std::string, std::vector<uint32_t>, std::vector<PidFdValue>,
                                   std::vector<uint8_t>, DeviceAllowList>;

struct UnitProperty {
    std::string name;
    PropertyValue value;
    friend bool operator==(const UnitProperty&, const UnitProperty&) = default;
};

// What the running systemd offers.
struct SystemdFeatures {
    int version = 0;       // the manager's Version, leading number ("252.38-1" -> 252)
    bool unified = true;   // cgroup v2 only: v1 needs the legacy property names
};

// "252.38-1~deb12u1" -> 252; 0 when it does not start with a number.
int ParseSystemdVersion(const std::string& version);

// The oldest systemd version that knows a property (0 when unknown to this table).
int PropertyMinVersion(const std::string& name);

// Limits as properties, for StartTransientUnit and SetUnitProperties. Properties the running
// version lacks, or that cgroup v1 cannot apply, are left out (with a debug log). proc_devices is
// the text of /proc/devices (for "char-NAME" device classes).
std::vector<UnitProperty> ResourceProperties(const config::Resources& resources, const SystemdFeatures& features,
                                             const std::string& proc_devices);

// Everything StartTransientUnit gets for a container's scope: description, slice, the process
// (PIDs, or PIDFDs from systemd 253 when pidfd >= 0), delegation, GC, accounting, limits.
std::vector<UnitProperty> ScopeProperties(const std::string& container, pid_t pid, int pidfd,
                                          const config::Resources& resources, const SystemdFeatures& features,
                                          const std::string& proc_devices);

// "0-2,5" -> the AllowedCPUs byte mask (bit N%8 of byte N/8 = CPU N). Throws on a malformed list.
std::vector<uint8_t> CpuListToMask(const std::string& cpus);

// Device rules -> DeviceAllow entries and whether DevicePolicy=strict applies (the rules start
// by denying everything). Deny rules after that cannot be expressed and are skipped.
struct DevicePolicy {
    DeviceAllowList allow;
    bool strict = false;
};
DevicePolicy DeviceRulesToPolicy(const std::vector<config::DeviceRule>& rules, const std::string& proc_devices);

// The slice every container scope goes into.
inline constexpr const char* kBerthSlice = "berth.slice";
// "berth-NAME.scope"
std::string ScopeUnitName(const std::string& container);

}  // namespace berth::cgroup
