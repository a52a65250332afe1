#include "manager/container_monitor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "util/file.hpp"
#include "util/log.hpp"

namespace berth::manager {
namespace {

constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// Reads what is available on fd and hands complete lines to the log; false at EOF.
bool Relay(int fd, std::string& pending, ContainerLog& log, int priority) {
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) {
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return true;
        if (!pending.empty())
            log.Line(pending, priority);
        pending.clear();
        return false;
    }
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
        log.Line(pending.substr(0, nl), priority);
        pending.erase(0, nl + 1);
    }
    return true;
}

int ExitCodeOf(const siginfo_t& info) {
    return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
}

}  // namespace

ContainerLog::ContainerLog(const std::string& log_dir, const std::string& name) : name_(name) {
    if (PathExists(kJournalSocket))
        return;
    path_ = log_dir + "/" + name + ".log";
    try {
        MakeDirs(log_dir, 0750);
        OpenFile();
    } catch (const std::exception& e) {
        LogWarning(std::string("Container output of ") + name + " is lost: " + e.what());
    }
}

void ContainerLog::OpenFile() {
    file_ = OpenOrThrow(path_, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    struct stat st {};
    size_ = fstat(file_.Get(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

void ContainerLog::RotateIfFull() {
    if (size_ < kMaxLogFileBytes)
        return;
    // The previous NAME.log.1 goes; whoever reads the log follows NAME.log by name.
    if (rename(path_.c_str(), (path_ + ".1").c_str()) < 0) {
        LogWarning("Failed to rotate " + path_ + ": " + strerror(errno));
        return;
    }
    try {
        OpenFile();
    } catch (const std::exception& e) {
        file_.Reset();
        LogWarning(std::string("Container output of ") + name_ + " is lost: " + e.what());
    }
}

void ContainerLog::Line(const std::string& line, int priority) {
    if (path_.empty()) {
        sd_journal_send("MESSAGE=%s", line.c_str(), "PRIORITY=%d", priority, "CONTAINER_NAME=%s", name_.c_str(),
                        "CONTAINER_ID=%s", name_.c_str(), "SYSLOG_IDENTIFIER=berth-%s", name_.c_str(), nullptr);
        return;
    }
    if (!file_)
        return;
    RotateIfFull();
    std::string text = line + "\n";
    ssize_t n = write(file_.Get(), text.data(), text.size());
    if (n > 0)
        size_ += static_cast<uint64_t>(n);
}

void RelayUntilExit(Manager& manager, const MonitoredInit& init, UniqueFd out, UniqueFd err, ContainerLog& log,
                    const std::function<void()>& on_recorded) {
    std::string out_pending, err_pending;
    bool out_open = static_cast<bool>(out), err_open = static_cast<bool>(err), exited = false;
    while (!exited || out_open || err_open) {
        struct pollfd fds[3] = {
            {out_open ? out.Get() : -1, POLLIN, 0},
            {err_open ? err.Get() : -1, POLLIN, 0},
            {exited ? -1 : init.pidfd, POLLIN, 0},
        };
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents)
            out_open = Relay(out.Get(), out_pending, log, 6);
        if (fds[1].revents)
            err_open = Relay(err.Get(), err_pending, log, 3);
        if (fds[2].revents && !exited) {
            siginfo_t info{};
            if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(init.pidfd), &info, WEXITED) < 0)
                continue;
            exited = true;
            try {
                manager.RecordExit(init.id, init.pid, init.start_time, ExitCodeOf(info));
            } catch (const std::exception& e) {
                // Removed meanwhile (rm --force): nobody needs the status any more.
                LogDebug(std::string("Not recording the exit of ") + init.id.str() + ": " + e.what());
            }
            if (on_recorded)
                on_recorded();
        }
    }
}

}  // namespace berth::manager
