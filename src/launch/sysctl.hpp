#pragma once
// Kernel parameters of the container's own namespaces, written under /proc/sys (in the child).
#include <map>
#include <string>

namespace berth::launch {

// Writes each value to /proc/sys/KEY (dots or slashes separate the levels). The caller has vetted
// the keys (namespaced ones only); throws naming the key and file on the first failure.
void WriteSysctls(const std::map<std::string, std::string>& sysctls);

}  // namespace berth::launch
