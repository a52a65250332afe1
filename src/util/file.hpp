#pragma once
// Whole-file reads and atomic writes.
#include <cstddef>
#include <optional>
#include <string>

namespace berth {

// Reads a whole file; throws Error naming the path.
std::string ReadFile(const std::string& path);
// Reads a whole regular file of at most max_bytes; throws Error naming the path for anything else
// (a FIFO, device, directory or dangling symlink; opening never blocks on a FIFO).
std::string ReadRegularFile(const std::string& path, size_t max_bytes);
// Reads a whole file, or nullopt if it does not exist (other errors throw).
std::optional<std::string> ReadFileIfExists(const std::string& path);
// Writes a file in place (for cgroup/proc files: one write(2) call).
void WriteFile(const std::string& path, const std::string& content);
// Whether WriteFileAtomic fsyncs before the rename: only Durable content must survive a power loss
// (runtime state under /run describes processes that do not survive it anyway).
enum class Durability { Durable, RuntimeOnly };
// Writes via a temporary file, (fsync) and rename(2) (RuntimeOnly: renameat2 RENAME_EXCHANGE, then
// the old file is unlinked): readers see old or new, never half, and a file once renamed into place
// is never written again (a reader that opened it reads it whole).
void WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode = 0644,
                     Durability durability = Durability::Durable);
// mkdir -p; throws on failure other than EEXIST.
void MakeDirs(const std::string& path, unsigned mode = 0755);
bool PathExists(const std::string& path);
// Trailing newline/whitespace removed.
std::string TrimRight(std::string s);

}  // namespace berth
