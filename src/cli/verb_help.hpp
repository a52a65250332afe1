#pragma once
// `berthctl VERB --help` / `-h`: the verb's usage, summary and options, on stdout, exit 0.
#include <ostream>
#include <string>
#include <vector>

#include "cli/verb.hpp"

namespace berth::cli {

// Thrown where a verb's parser meets --help or -h among its options (ArgCursor::RejectUnknown).
struct HelpRequested {};

// True if args (a verb's arguments) ask for its help: --help or -h first, or, for a verb whose
// arguments are only names and values, anywhere before "--". Where a container command may
// follow without "--" (run, exec), the verb's parser decides (HelpRequested).
bool AsksForHelp(const std::string& verb, const std::vector<std::string>& args);

// "Usage: berthctl USAGE", the summary, and each option with what it does.
void PrintVerbHelp(std::ostream& out, const Verb& verb);

}  // namespace berth::cli
