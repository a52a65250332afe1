#include "checkpoint/private_netns.hpp"

#include <linux/capability.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "util/file.hpp"

namespace berth::checkpoint {

namespace {

std::string ReadOrEmpty(const std::string& path) {
    return ReadFileIfExists(path).value_or("");
}

bool HasOption(const std::string& options, const std::string& option) {
    std::istringstream in(options);
    for (std::string o; std::getline(in, o, ',');)
        if (o == option)
            return true;
    return false;
}

std::optional<std::string> CheckCapabilities(const std::string& status, const config::CapabilitySet& configured) {
    if (configured.Contains(CAP_NET_ADMIN))
        return "its processes may hold CAP_NET_ADMIN (configured)";
    if (configured.Contains(CAP_SYS_ADMIN))
        return "its processes may hold CAP_SYS_ADMIN (configured)";
    size_t at = status.find("CapBnd:");
    if (at == std::string::npos)
        return "its init's bounding capabilities are unknown";
    unsigned long long bounding = std::strtoull(status.c_str() + at + 7, nullptr, 16);
    if (bounding & (1ULL << CAP_NET_ADMIN))
        return "its processes may hold CAP_NET_ADMIN";
    if (bounding & (1ULL << CAP_SYS_ADMIN))
        return "its processes may hold CAP_SYS_ADMIN";
    return std::nullopt;
}

std::optional<std::string> CheckProcSysReadOnly(const std::vector<MountInfoEntry>& mounts) {
    // Root may write net sysctls without capabilities where /proc/sys is writable.
    bool read_only = std::any_of(mounts.begin(), mounts.end(), [](const MountInfoEntry& m) {
        return m.mount_point == "/proc/sys" && HasOption(m.options, "ro");
    });
    if (!read_only)
        return "/proc/sys is writable in it";
    return std::nullopt;
}

std::optional<std::string> CheckInterfaces(const std::string& dev) {
    std::istringstream in(dev);
    for (std::string line; std::getline(in, line);) {
        size_t colon = line.find(':');
        if (colon == std::string::npos)
            continue;  // the two header lines
        std::string name = line.substr(0, colon);
        name.erase(0, name.find_first_not_of(' '));
        if (name != "lo")
            return "it has the interface " + name;
    }
    return std::nullopt;
}

std::optional<std::string> CheckIpv6Addresses(const std::string& if_inet6) {
    std::istringstream in(if_inet6);
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string address, index, prefix, scope, flags, device;
        if (!(fields >> address >> index >> prefix >> scope >> flags >> device))
            continue;
        if (device != "lo" || address != "00000000000000000000000000000001")
            return "it has the IPv6 address " + address + " on " + device;
    }
    return std::nullopt;
}

std::optional<std::string> CheckIpv4Addresses(const std::string& fib_trie) {
    // A local address shows as "|-- ADDR" followed by "/32 host LOCAL".
    std::istringstream in(fib_trie);
    std::string address;
    for (std::string line; std::getline(in, line);) {
        if (size_t at = line.find("|-- "); at != std::string::npos)
            address = line.substr(at + 4);
        else if (line.find("/32 host LOCAL") != std::string::npos && address.rfind("127.", 0) != 0)
            return "it has the IPv4 address " + address;
    }
    return std::nullopt;
}

std::optional<std::string> CheckRoutes(const std::string& route, const std::string& ipv6_route) {
    std::istringstream v4(route);
    std::string line;
    std::getline(v4, line);  // header
    while (std::getline(v4, line))
        if (line.find_first_not_of(" \t") != std::string::npos)
            return "it has an IPv4 route";
    // A new namespace has the unreachable default (::/0) and ::1/128 on lo, nothing else.
    std::istringstream v6(ipv6_route);
    while (std::getline(v6, line)) {
        std::istringstream fields(line);
        std::string destination, prefix;
        if (!(fields >> destination >> prefix))
            continue;
        bool unreachable_default = destination == "00000000000000000000000000000000" && prefix == "00";
        bool loopback = destination == "00000000000000000000000000000001" && prefix == "80";
        if (!unreachable_default && !loopback)
            return "it has an IPv6 route to " + destination + "/" + prefix;
    }
    return std::nullopt;
}

}  // namespace

NetnsSnapshot ReadNetnsSnapshot(pid_t init_pid, std::vector<MountInfoEntry> mounts,
                                config::CapabilitySet configured_bounding) {
    const std::string proc = "/proc/" + std::to_string(init_pid);
    NetnsSnapshot s;
    s.status = ReadOrEmpty(proc + "/status");
    s.configured_bounding = configured_bounding;
    s.mounts = std::move(mounts);
    s.dev = ReadOrEmpty(proc + "/net/dev");
    s.if_inet6 = ReadOrEmpty(proc + "/net/if_inet6");
    s.fib_trie = ReadOrEmpty(proc + "/net/fib_trie");
    s.route = ReadOrEmpty(proc + "/net/route");
    s.ipv6_route = ReadOrEmpty(proc + "/net/ipv6_route");
    for (const char* table : {"ip_tables_names", "ip6_tables_names", "arp_tables_names"})
        s.xtables_names += ReadOrEmpty(proc + "/net/" + table);
    return s;
}

std::optional<std::string> NetnsContentBeyondLoopback(const NetnsSnapshot& s) {
    if (auto reason = CheckCapabilities(s.status, s.configured_bounding))
        return reason;
    if (auto reason = CheckProcSysReadOnly(s.mounts))
        return reason;
    if (auto reason = CheckInterfaces(s.dev))
        return reason;
    if (auto reason = CheckIpv6Addresses(s.if_inet6))
        return reason;
    if (auto reason = CheckIpv4Addresses(s.fib_trie))
        return reason;
    if (auto reason = CheckRoutes(s.route, s.ipv6_route))
        return reason;
    if (s.xtables_names.find_first_not_of(" \n") != std::string::npos)
        return "it has legacy xtables tables";
    return std::nullopt;
}

}  // namespace berth::checkpoint
