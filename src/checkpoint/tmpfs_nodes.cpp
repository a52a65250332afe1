#include "checkpoint/tmpfs_nodes.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>

namespace berth::checkpoint {

namespace {

// Appends the entries below `relative` (empty: the root); false when one cannot be rebuilt.
bool ListBelow(const std::string& root, dev_t device, const std::string& relative, size_t limit,
               std::vector<TmpfsNode>& nodes) {
    const std::string dir_path = relative.empty() ? root : root + "/" + relative;
    DIR* dir = ::opendir(dir_path.c_str());
    if (dir == nullptr)
        return false;
    std::vector<std::string> subdirectories;
    bool ok = true;
    while (dirent* entry = ::readdir(dir)) {
        if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
            continue;
        std::string path = relative.empty() ? entry->d_name : relative + "/" + entry->d_name;
        struct stat st{};
        if (nodes.size() >= limit || ::lstat((root + "/" + path).c_str(), &st) < 0) {
            ok = false;
            break;
        }
        TmpfsNode node;
        node.path = path;
        node.mode = st.st_mode & 07777;
        node.uid = st.st_uid;
        node.gid = st.st_gid;
        node.mtime_sec = st.st_mtim.tv_sec;
        node.mtime_nsec = st.st_mtim.tv_nsec;
        if (st.st_dev != device) {
            // Something is mounted here: restore needs only the mount point, CRIU mounts the rest.
            node.kind = S_ISDIR(st.st_mode) ? 'd' : 'f';
        } else if (S_ISDIR(st.st_mode)) {
            node.kind = 'd';
            subdirectories.push_back(path);
        } else if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t n = ::readlink((root + "/" + path).c_str(), target, sizeof(target));
            if (n < 0 || static_cast<size_t>(n) == sizeof(target)) {
                ok = false;
                break;
            }
            node.kind = 'l';
            node.target.assign(target, static_cast<size_t>(n));
        } else if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && st.st_nlink == 1) {
            node.kind = S_ISCHR(st.st_mode) ? 'c' : 'b';
            node.rdev = st.st_rdev;
        } else if (S_ISREG(st.st_mode) && st.st_size == 0 && st.st_nlink == 1) {
            node.kind = 'f';
        } else {
            ok = false;  // file data, a socket, a fifo or a hard link: CRIU archives the tmpfs
            break;
        }
        nodes.push_back(std::move(node));
    }
    ::closedir(dir);
    for (const std::string& sub : subdirectories)
        if (ok)
            ok = ListBelow(root, device, sub, limit, nodes);
    return ok;
}

}  // namespace

std::optional<std::vector<TmpfsNode>> ListTmpfsNodes(const std::string& dir, size_t limit) {
    struct stat root{};
    if (::stat(dir.c_str(), &root) < 0 || !S_ISDIR(root.st_mode))
        return std::nullopt;
    // The root first: its mode or owner may differ from the mount options since a chmod or chown.
    std::vector<TmpfsNode> nodes = {{".", 'd', static_cast<uint32_t>(root.st_mode & 07777), root.st_uid, root.st_gid, 0,
                                     "", root.st_mtim.tv_sec, root.st_mtim.tv_nsec}};
    if (!ListBelow(dir, root.st_dev, "", limit, nodes))
        return std::nullopt;
    return nodes;
}

const char* CreateTmpfsNodes(int dirfd, const std::vector<TmpfsNode>& nodes) {
    for (const TmpfsNode& node : nodes) {
        const char* path = node.path.c_str();
        int r = 0;
        switch (node.path == "." ? '.' : node.kind) {
            case '.': break;  // the mount's root exists already
            case 'd': r = ::mkdirat(dirfd, path, 0700); break;
            case 'l': r = ::symlinkat(node.target.c_str(), dirfd, path); break;
            case 'c': r = ::mknodat(dirfd, path, S_IFCHR | 0600, static_cast<dev_t>(node.rdev)); break;
            case 'b': r = ::mknodat(dirfd, path, S_IFBLK | 0600, static_cast<dev_t>(node.rdev)); break;
            default: r = ::mknodat(dirfd, path, S_IFREG | 0600, 0); break;
        }
        if (r < 0)
            return "create an entry of a rebuilt tmpfs";
        if (::fchownat(dirfd, path, node.uid, node.gid, AT_SYMLINK_NOFOLLOW) < 0)
            return "set the owner of an entry of a rebuilt tmpfs";
        // Symlinks have no mode of their own; chmod would follow them.
        if (node.kind != 'l' && ::fchmodat(dirfd, path, node.mode, 0) < 0)
            return "set the mode of an entry of a rebuilt tmpfs";
    }
    // Times last, children before parents: creating entries changes their directory's mtime.
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
        const timespec times[2] = {{it->mtime_sec, it->mtime_nsec}, {it->mtime_sec, it->mtime_nsec}};
        if (::utimensat(dirfd, it->path.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0)
            return "set the times of an entry of a rebuilt tmpfs";
    }
    return nullptr;
}

}  // namespace berth::checkpoint
