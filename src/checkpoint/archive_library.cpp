#include "checkpoint/archive_library.hpp"

#include <dlfcn.h>

#include <string>

#include "util/error.hpp"

namespace berth::checkpoint {
namespace {

// libarchive 3's soname; the unversioned name only exists with its -dev package.
constexpr const char* kSonames[] = {"libarchive.so.13", "libarchive.so"};

ArchiveLibrary Load() {
    void* handle = nullptr;
    std::string why;
    for (const char* soname : kSonames) {
        handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (handle)
            break;
        const char* error = ::dlerror();
        why += std::string(why.empty() ? "" : "; ") + (error ? error : soname);
    }
    if (!handle)
        throw Error("Failed to load libarchive (checkpoint archives need it): " + why, ENOENT);
    // Never closed: the functions are used until exit.
    ArchiveLibrary lib;
#define BERTH_ARCHIVE_RESOLVE(name)                                                                    \
    lib.name = reinterpret_cast<decltype(lib.name)>(::dlsym(handle, #name));                           \
    if (!lib.name)                                                                                     \
        throw Error(std::string("Failed to load libarchive: it has no ") + #name, ENOENT);
    BERTH_ARCHIVE_FUNCTIONS(BERTH_ARCHIVE_RESOLVE)
#undef BERTH_ARCHIVE_RESOLVE
    return lib;
}

}  // namespace

const ArchiveLibrary& LoadArchiveLibrary() {
    static const ArchiveLibrary lib = Load();
    return lib;
}

}  // namespace berth::checkpoint
