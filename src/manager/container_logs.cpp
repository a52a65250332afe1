#include "manager/container_logs.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <deque>
#include <memory>
#include <thread>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

namespace berth::manager {
namespace {

using namespace std::chrono_literals;

struct JournalClose {
    void operator()(sd_journal* j) const noexcept { sd_journal_close(j); }
};
using JournalPtr = std::unique_ptr<sd_journal, JournalClose>;

// The MESSAGE field of the current entry ("" when it has none).
std::string EntryMessage(sd_journal* journal) {
    const void* data = nullptr;
    size_t length = 0;
    if (sd_journal_get_data(journal, "MESSAGE", &data, &length) < 0)
        return "";
    std::string field(static_cast<const char*>(data), length);
    return field.substr(field.find('=') + 1);
}

// Places the journal before the first entry to print (sd_journal_next then returns it).
void SeekStart(sd_journal* journal, const LogQuery& query) {
    if (query.lines) {
        CheckNegErrno(sd_journal_seek_tail(journal), "Failed to seek to the end of the journal");
        int skipped = sd_journal_previous_skip(journal, *query.lines + 1);
        CheckNegErrno(skipped, "Failed to move back in the journal");
        // Fewer entries than asked for: start from the very first one instead.
        if (static_cast<size_t>(skipped) <= *query.lines)
            CheckNegErrno(sd_journal_seek_head(journal), "Failed to seek to the start of the journal");
    } else {
        CheckNegErrno(sd_journal_seek_head(journal), "Failed to seek to the start of the journal");
    }
}

// Lines of a file from its start; a partial last line (still being written) stays in pending.
void SplitLines(const std::string& text, std::string& pending, std::deque<std::string>& out) {
    pending += text;
    size_t start = 0, nl;
    while ((nl = pending.find('\n', start)) != std::string::npos) {
        out.push_back(pending.substr(start, nl - start));
        start = nl + 1;
    }
    pending.erase(0, start);
}

// Reads what fd holds from its current offset.
std::string ReadAvailable(int fd, const std::string& path) {
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            ThrowErrno("Failed to read " + path);
        if (n == 0)
            return text;
        text.append(buf, static_cast<size_t>(n));
    }
}

// Hands the complete lines of text (after what pending held) to sink.
void EmitLines(const std::string& text, std::string& pending, const LogLineSink& sink) {
    std::deque<std::string> lines;
    SplitLines(text, pending, lines);
    for (const std::string& line : lines)
        sink(line);
}

// True when path names another file than fd now (the log was rotated).
bool Replaced(const std::string& path, int fd) {
    struct stat named {}, opened {};
    return fstat(fd, &opened) == 0 && stat(path.c_str(), &named) == 0 &&
           (named.st_ino != opened.st_ino || named.st_dev != opened.st_dev);
}

// Waits for NAME.log to grow or be replaced (rotation), printing what is added.
[[noreturn]] void FollowFile(const std::string& path, UniqueFd fd, std::string pending, const LogLineSink& sink) {
    for (;;) {
        EmitLines(ReadAvailable(fd.Get(), path), pending, sink);
        if (Replaced(path, fd.Get()))
            if (UniqueFd next{open(path.c_str(), O_RDONLY | O_CLOEXEC)}) {
                // What the old file got after the last read, then the new one from its start.
                EmitLines(ReadAvailable(fd.Get(), path), pending, sink);
                fd = std::move(next);
                continue;
            }
        std::this_thread::sleep_for(200ms);
    }
}

}  // namespace

bool JournalRuns() { return PathExists("/run/systemd/journal/socket"); }

void ReadContainerLogs(const LogQuery& query, const LogLineSink& sink) {
    if (JournalRuns())
        ReadJournalLogs(query, sink);
    else
        ReadFileLogs(query, sink);
}

void ReadJournalLogs(const LogQuery& query, const LogLineSink& sink) {
    sd_journal* raw = nullptr;
    CheckNegErrno(sd_journal_open(&raw, SD_JOURNAL_LOCAL_ONLY), "Failed to open the journal");
    JournalPtr journal(raw);
    const std::string match = "CONTAINER_NAME=" + query.name;
    CheckNegErrno(sd_journal_add_match(journal.get(), match.data(), match.size()),
                  "Failed to match " + match + " in the journal");
    SeekStart(journal.get(), query);
    const uint64_t since_usec =
        query.since ? static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                query.since->time_since_epoch())
                                                .count())
                    : 0;
    for (;;) {
        int r = sd_journal_next(journal.get());
        CheckNegErrno(r, "Failed to read the journal");
        if (r == 0) {
            if (!query.follow)
                return;
            CheckNegErrno(sd_journal_wait(journal.get(), UINT64_MAX), "Failed to wait for the journal");
            continue;
        }
        uint64_t usec = 0;
        if (since_usec && sd_journal_get_realtime_usec(journal.get(), &usec) >= 0 && usec < since_usec)
            continue;
        sink(EntryMessage(journal.get()));
    }
}

void ReadFileLogs(const LogQuery& query, const LogLineSink& sink) {
    if (query.since)
        throw Error("Failed to read the logs of " + query.name +
                    ": --since needs the journal (the log files carry no timestamps)");
    const std::string path = query.log_dir + "/" + query.name + ".log";
    std::deque<std::string> lines;
    std::string pending;
    if (std::optional<std::string> rotated = ReadFileIfExists(path + ".1")) {
        SplitLines(*rotated, pending, lines);
        if (!pending.empty())
            lines.push_back(pending);
        pending.clear();
    }
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd && !(errno == ENOENT && !lines.empty()))
        ThrowErrno("Failed to open the log of container " + query.name + " (" + path + ")");
    if (fd)
        SplitLines(ReadAvailable(fd.Get(), path), pending, lines);
    while (query.lines && lines.size() > *query.lines)
        lines.pop_front();
    for (const std::string& line : lines)
        sink(line);
    if (query.follow && fd)
        FollowFile(path, std::move(fd), std::move(pending), sink);
}

}  // namespace berth::manager
