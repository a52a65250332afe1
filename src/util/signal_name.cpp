#include "util/signal_name.hpp"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <tuple>
#include <utility>

#include "util/error.hpp"

namespace berth {
namespace {

constexpr std::pair<const char*, int> kSignals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},   {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL},   {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

bool AllDigits(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

int ParseSignal(const std::string& text) {
    auto invalid = [&]() -> Error { return Error("unknown signal '" + text + "'"); };
    if (AllDigits(text)) {
        if (text.size() > 3)
            throw invalid();
        int sig = std::stoi(text);
        if (sig < 1 || sig > SIGRTMAX)
            throw invalid();
        return sig;
    }
    std::string name = text;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
    if (name.rfind("SIG", 0) == 0)
        name = name.substr(3);
    for (const auto& [known, sig] : kSignals)
        if (name == known)
            return sig;
    // RTMIN, RTMIN+N, RTMAX, RTMAX-N
    for (bool from_min : {true, false}) {
        const std::string prefix = from_min ? "RTMIN" : "RTMAX";
        const int base = from_min ? SIGRTMIN : SIGRTMAX;
        if (name == prefix)
            return base;
        const std::string offset = name.size() > prefix.size() + 1 ? name.substr(prefix.size() + 1) : "";
        if (name.rfind(prefix, 0) != 0 || name[prefix.size()] != (from_min ? '+' : '-') || !AllDigits(offset) ||
            offset.size() > 2)
            continue;
        int sig = from_min ? base + std::stoi(offset) : base - std::stoi(offset);
        if (sig >= SIGRTMIN && sig <= SIGRTMAX)
            return sig;
    }
    throw invalid();
}

std::string SignalName(int sig) {
    for (const auto& [known, number] : kSignals)
        if (number == sig)
            return known;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        return sig == SIGRTMIN ? "RTMIN" : "RTMIN+" + std::to_string(sig - SIGRTMIN);
    return std::to_string(sig);
}

}  // namespace berth
