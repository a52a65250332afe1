#include "cli/verb_help.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace berth::cli {
namespace {

using Options = std::vector<std::pair<std::string, std::string>>;  // names, what it does

// Every verb's options; berthctl(1) describes the same in more words.
const std::map<std::string, Options>& AllOptions() {
    static const std::map<std::string, Options> options = {
        {"checkpoint",
         {{"--image-path DIR", "write the CRIU images to DIR (or give --export)"},
          {"--export FILE", "write the checkpoint as one archive FILE (.tar, .tar.zst compressed)"},
          {"--work-path DIR", "CRIU's logs and work files go to DIR (default: the image dir)"},
          {"--pre-dump", "write only the memory and keep the container running (for --parent-path)"},
          {"--parent-path DIR", "dump on top of the pre-dump in DIR: only pages changed since"},
          {"--page-server ADDR:PORT", "send the memory pages to a berthctl page-server there (migration)"},
          {"--leave-running", "keep the container running after the dump"},
          {"--tcp-established", "checkpoint established TCP connections"},
          {"--ext-unix-sk", "allow external unix sockets"},
          {"--shell-job", "allow a container attached to a terminal or session"},
          {"--file-locks", "checkpoint file locks"},
          {"--manage-cgroups-mode MODE", "CRIU's cgroup handling: soft, full, strict or ignore"}}},
        {"events", {{"--json", "print one JSON object per event instead of a line of text"}}},
        {"generate-unit",
         {{"--output DIR", "write DIR/berth-NAME.service instead of printing it"},
          {"--generator DIR", "as a systemd generator: a unit (and its [Install] links) in DIR for every NAME.toml "
                              "with an [install] table"}}},
        {"exec",
         {{"-t, --tty", "give the process a pseudo-terminal, relayed (raw mode, resizes passed on)"},
          {"--env K=V", "set an environment variable (repeatable)"},
          {"--cwd DIR", "working directory inside the container (absolute)"}}},
        {"list", {{"--json", "print JSON instead of a table"}}},
        {"logs",
         {{"-f, --follow", "keep printing new output as it comes"},
          {"--since WHEN", "only output since WHEN (journal only; as journalctl --since)"},
          {"-n N", "only the last N lines"},
          {"--log-dir DIR", "read DIR/NAME.log where no journal runs (default: berthd.toml's log_dir)"}}},
        {"migrate",
         {{"--to HOST:PORT", "send the container to the berthctl migrate --receive listening there"},
          {"--name NEW", "the name it gets on the receiver (default: its own)"},
          {"--netns PATH", "the receiver's network namespace to restore into (default: the recorded path)"},
          {"--work-path DIR", "scratch for images and archives, on either side (default: /var/tmp)"},
          {"--tcp-established", "migrate established TCP connections"},
          {"--ext-unix-sk", "allow external unix sockets"},
          {"--shell-job", "allow a container attached to a terminal or session"},
          {"--file-locks", "migrate file locks"},
          {"--receive", "be the receiving side: restore one migrated container, then exit"},
          {"--listen [ADDR]:PORT", "with --receive: listen there (port 0: one the kernel picks, printed)"}}},
        {"page-server",
         {{"--image-path DIR", "write the received pages into DIR"},
          {"--address ADDR", "listen on ADDR (default: all addresses)"},
          {"--port PORT", "listen on PORT (default: one the kernel picks, printed)"}}},
        {"ps", {{"--json", "print JSON instead of one pid a line"}}},
        {"restore",
         {{"--image-path DIR", "read the CRIU images from DIR (or give --import)"},
          {"--import FILE", "restore from an archive of checkpoint --export (NAME: the recorded one)"},
          {"--netns PATH", "join the network namespace at PATH instead of the recorded one"},
          {"--work-path DIR", "CRIU's logs and work files go to DIR (default: the image dir)"},
          {"--name NEW", "restore under the name NEW instead of NAME"},
          {"-d, --detach", "return once restored instead of waiting for the container's exit"}}},
        {"rm", {{"-f, --force", "kill and remove a running container too"}}},
        {"run",
         {{"-d, --detach", "return once started; the output goes to the container's log"},
          {"-t, --tty", "give the container a pseudo-terminal, relayed (raw mode, resizes passed on; not with --detach)"},
          {"--rootfs DIR", "run ad hoc: DIR is the root file system, CMD the program"},
          {"--name N", "the ad hoc container's name (default: generated, printed with --detach)"},
          {"--hostname H", "the ad hoc container's host name (default: its name)"},
          {"--netns PATH", "join the network namespace at PATH"},
          {"--memory SIZE", "memory limit (e.g. 512M)"}}},
        {"stats", {{"--json", "print JSON instead of a table"}}},
        {"update",
         {{"--memory SIZE", "memory.max (e.g. 512M, max)"},
          {"--memory-high SIZE", "memory.high, the throttling threshold"},
          {"--cpu-quota PCT%", "CPU time per period (200% = two CPUs, 0% = no quota)"},
          {"--tasks-max N", "the most tasks (pids.max)"},
          {"--cpu-weight N", "CPU weight, 1 to 10000"}}},
    };
    return options;
}

bool IsHelp(const std::string& arg) { return arg == "--help" || arg == "-h"; }

}  // namespace

bool AsksForHelp(const std::string& verb, const std::vector<std::string>& args) {
    if (args.empty())
        return false;
    if (IsHelp(args[0]))
        return true;
    if (verb == "run" || verb == "exec")
        return false;
    for (const std::string& arg : args) {
        if (arg == "--")
            return false;
        if (IsHelp(arg))
            return true;
    }
    return false;
}

void PrintVerbHelp(std::ostream& out, const Verb& verb) {
    out << "Usage: berthctl " << verb.usage << "\n\n" << verb.summary << ".\n\nOptions:\n";
    Options options;
    if (auto it = AllOptions().find(verb.name); it != AllOptions().end())
        options = it->second;
    options.emplace_back("-h, --help", "show this help");
    for (const auto& [names, text] : options) {
        std::string padded = "  " + names;
        padded.resize(std::max<size_t>(padded.size() + 2, 32), ' ');
        out << padded << text << "\n";
    }
    out << "\nGlobal options (before VERB): see berthctl --help and berthctl(1).\n";
}

}  // namespace berth::cli
