#include "launch/devices.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config/defaults.hpp"
#include "launch/path_in_root.hpp"
#include "util/error.hpp"

namespace berth::launch {
namespace {

// "/dev/net/tun" -> "net/tun"
std::string UnderDev(const std::string& path) {
    std::string rel = path.rfind("/dev/", 0) == 0 ? path.substr(5) : path;
    if (rel.empty() || rel.find("..") != std::string::npos)
        throw Error("device path " + path + " is not under /dev");
    return rel;
}

}  // namespace

std::vector<config::DeviceConfig> ContainerDevices(const std::vector<config::DeviceConfig>& configured) {
    std::vector<config::DeviceConfig> devices = config::DefaultDevices();
    for (const config::DeviceConfig& dev : configured) {
        bool replaced = false;
        for (config::DeviceConfig& existing : devices)
            if (existing.path == dev.path) {
                existing = dev;
                replaced = true;
            }
        if (!replaced)
            devices.push_back(dev);
    }
    return devices;
}

void CreateDeviceNodes(int devfd, const std::vector<config::DeviceConfig>& devices, bool bind_from_host) {
    for (const config::DeviceConfig& dev : devices) {
        std::string rel = UnderDev(dev.path);
        if (rel.find('/') != std::string::npos) {
            OpenInRoot(devfd, rel.substr(0, rel.rfind('/')), NodeKind::Directory);  // parent dirs
        }
        if (bind_from_host && dev.type != 'p') {  // a FIFO needs no privilege: made below
            if (::mknodat(devfd, rel.c_str(), S_IFREG | 0600, 0) < 0 && errno != EEXIST)
                ThrowErrno("create " + dev.path);
            UniqueFd target = OpenInRoot(devfd, rel, NodeKind::File);
            if (::mount(dev.path.c_str(), FdPath(target.Get()).c_str(), nullptr, MS_BIND, nullptr) < 0)
                ThrowErrno("bind host device " + dev.path);
            continue;
        }
        mode_t type = dev.type == 'b' ? S_IFBLK : dev.type == 'p' ? S_IFIFO : S_IFCHR;
        dev_t number = dev.type == 'p' ? 0 : makedev(static_cast<unsigned>(dev.major), static_cast<unsigned>(dev.minor));
        if (::mknodat(devfd, rel.c_str(), type | (dev.file_mode & 07777), number) < 0)
            ThrowErrno("mknod " + dev.path);
        if ((dev.uid != 0 || dev.gid != 0) && ::fchownat(devfd, rel.c_str(), dev.uid, dev.gid, AT_SYMLINK_NOFOLLOW) < 0)
            ThrowErrno("chown " + dev.path);
    }
}

void CreateDevSymlinks(int devfd) {
    static constexpr const char* kLinks[][2] = {
        {"/proc/self/fd", "fd"},         {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
        {"/proc/self/fd/2", "stderr"},   {"pts/ptmx", "ptmx"},
    };
    for (const auto& link : kLinks)
        if (::symlinkat(link[0], devfd, link[1]) < 0 && errno != EEXIST)
            ThrowErrno(std::string("symlink /dev/") + link[1]);
}

}  // namespace berth::launch
