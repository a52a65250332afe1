#include "manager/container_monitor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "manager/oom_tracker.hpp"
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
        // sd_journal_sendv, not the variadic sd_journal_send: util/systemd_library.cpp forwards it.
        const std::string fields[] = {"MESSAGE=" + line, "PRIORITY=" + std::to_string(priority),
                                      "CONTAINER_NAME=" + name_, "CONTAINER_ID=" + name_,
                                      "SYSLOG_IDENTIFIER=berth-" + name_};
        struct iovec iov[std::size(fields)];
        for (size_t i = 0; i < std::size(fields); ++i)
            iov[i] = {const_cast<char*>(fields[i].data()), fields[i].size()};
        sd_journal_sendv(iov, static_cast<int>(std::size(fields)));
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

InitMonitor::InitMonitor(Manager& manager, MonitoredInit init, UniqueFd out, UniqueFd err, ContainerLog log,
                         cgroup::OomRegistration oom_watch)
    : manager_(manager),
      init_(std::move(init)),
      out_(std::move(out)),
      err_(std::move(err)),
      out_open_(out_.Valid()),
      err_open_(err_.Valid()),
      log_(std::move(log)),
      oom_(std::make_unique<OomTracker>(manager_, init_, std::move(oom_watch))) {}

InitMonitor::~InitMonitor() = default;

int InitMonitor::OomFd() const { return exited_ ? -1 : oom_->Fd(); }

int InitMonitor::OomRecheckMs() const { return exited_ ? -1 : oom_->PollTimeoutMs(); }

void InitMonitor::OnOutReadable() {
    if (out_open_ && !Relay(out_.Get(), out_pending_, log_, 6))
        out_open_ = false;
}

void InitMonitor::OnErrReadable() {
    if (err_open_ && !Relay(err_.Get(), err_pending_, log_, 3))
        err_open_ = false;
}

void InitMonitor::CheckOom(bool notified) {
    if (!exited_)
        oom_->Check(notified);
}

bool InitMonitor::ReapIfExited() {
    if (exited_)
        return true;
    siginfo_t info{};
    if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(init_.pidfd), &info, WEXITED | WNOHANG) < 0) {
        if (errno != ECHILD)
            return false;
        // Not our child (any more): its status went to another parent; unknown beats wrong.
        exited_ = true;
        LogWarning("The init of container " + init_.id.str() + " (pid " + std::to_string(init_.pid) +
                   ") is not this monitor's child: its exit status is unknown");
        return true;
    }
    if (info.si_pid == 0)
        return false;
    exited_ = true;
    // An OOM kill of the init itself is recorded before its exit (the cgroup may be gone soon).
    oom_->Check(false, true, info.si_code != CLD_EXITED && info.si_status == SIGKILL);
    try {
        manager_.RecordExit(init_.id, init_.pid, init_.start_time, ExitCodeOf(info));
    } catch (const std::exception& e) {
        // Removed meanwhile (rm --force): nobody needs the status any more.
        LogDebug(std::string("Not recording the exit of ") + init_.id.str() + ": " + e.what());
    }
    return true;
}

void RelayUntilExit(Manager& manager, const MonitoredInit& init, UniqueFd out, UniqueFd err, ContainerLog& log,
                    const std::function<void()>& on_recorded) {
    InitMonitor monitor(manager, init, std::move(out), std::move(err), std::move(log));
    while (!monitor.Finished()) {
        struct pollfd fds[4] = {
            {monitor.OutFd(), POLLIN, 0},
            {monitor.ErrFd(), POLLIN, 0},
            {monitor.Exited() ? -1 : init.pidfd, POLLIN, 0},
            {monitor.OomFd(), POLLIN, 0},
        };
        int ready = poll(fds, 4, monitor.OomRecheckMs());
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (ready == 0 || fds[3].revents)
            monitor.CheckOom(fds[3].revents != 0);
        if (fds[0].revents)
            monitor.OnOutReadable();
        if (fds[1].revents)
            monitor.OnErrReadable();
        if (fds[2].revents && !monitor.Exited() && monitor.ReapIfExited() && on_recorded)
            on_recorded();
    }
}

}  // namespace berth::manager
