#pragma once
// libarchive, loaded on first use (dlopen) rather than at every start: linked, it and what it pulls
// in (libxml2, ICU, nettle, ...) cost each berthctl start about 2 ms of CPU in the dynamic loader,
// twice for run (the sealed re-exec), while only checkpoint --export and restore --import use it.
#include <archive.h>
#include <archive_entry.h>

namespace berth::checkpoint {

// The libarchive functions Berth calls, with libarchive's own names and types.
#define BERTH_ARCHIVE_FUNCTIONS(X)                                                                    \
    X(archive_entry_new) X(archive_entry_free) X(archive_entry_set_pathname) X(archive_entry_set_filetype) \
    X(archive_entry_set_perm) X(archive_entry_set_size) X(archive_entry_pathname) X(archive_entry_filetype) \
    X(archive_error_string) X(archive_errno) X(archive_read_new) X(archive_read_free)                 \
    X(archive_read_support_filter_zstd) X(archive_read_support_format_tar) X(archive_read_open_filename) \
    X(archive_read_next_header) X(archive_read_data) X(archive_write_new) X(archive_write_free)       \
    X(archive_write_set_format_pax_restricted) X(archive_write_add_filter_zstd)                       \
    X(archive_write_open_filename) X(archive_write_header) X(archive_write_data) X(archive_write_close)      \
    X(archive_entry_copy_stat) X(archive_entry_set_symlink) X(archive_entry_size) X(archive_read_data_skip) \
    X(archive_write_disk_new) X(archive_write_disk_set_options) X(archive_write_finish_entry)

struct ArchiveLibrary {
#define BERTH_ARCHIVE_MEMBER(name) decltype(&::name) name = nullptr;
    BERTH_ARCHIVE_FUNCTIONS(BERTH_ARCHIVE_MEMBER)
#undef BERTH_ARCHIVE_MEMBER
};

// Loads libarchive once (thread-safe); throws Error naming the library and dlerror() when it or
// one of its functions is missing.
const ArchiveLibrary& LoadArchiveLibrary();

}  // namespace berth::checkpoint
