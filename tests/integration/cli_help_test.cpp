// berthctl VERB --help and -h: every verb prints its usage and options on stdout and exits 0.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "fixture.hpp"

namespace berth::testing {
namespace {

// The verbs `berthctl --help` lists ("  NAME  summary" lines after "Verbs").
std::vector<std::string> ListedVerbs() {
    CommandResult r = RunCommand({BerthctlPath(), "--help"});
    std::vector<std::string> verbs;
    std::istringstream lines(r.out);
    std::string line;
    bool in_verbs = false;
    std::smatch m;
    while (std::getline(lines, line)) {
        if (line.rfind("Verbs", 0) == 0)
            in_verbs = true;
        else if (in_verbs && std::regex_match(line, m, std::regex("  ([a-z-]+) +.*")))
            verbs.push_back(m[1]);
        else if (in_verbs)
            break;
    }
    return verbs;
}

TEST(BerthctlHelp, EveryVerbAnswersHelpAndDashHWithItsUsageAndOptions) {
    std::vector<std::string> verbs = ListedVerbs();
    ASSERT_GE(verbs.size(), 17u) << "berthctl --help lists the verbs";
    for (const std::string& verb : verbs) {
        CommandResult help = RunCommand({BerthctlPath(), verb, "--help"});
        EXPECT_EQ(help.exit_code, 0) << verb << ": " << Describe(help);
        EXPECT_EQ(help.err, "") << verb;
        EXPECT_EQ(help.out.rfind("Usage: berthctl " + verb, 0), 0u) << verb << ": " << help.out;
        size_t options = help.out.find("\nOptions:\n");
        ASSERT_NE(options, std::string::npos) << verb << ": " << help.out;
        EXPECT_NE(help.out.find("  -h, --help", options), std::string::npos) << verb << ": " << help.out;
        // Each option the usage line names is explained below it.
        std::string usage = help.out.substr(0, help.out.find('\n'));
        std::regex option("--[a-z][a-z-]*");
        for (auto it = std::sregex_iterator(usage.begin(), usage.end(), option); it != std::sregex_iterator(); ++it)
            EXPECT_TRUE(std::regex_search(help.out.substr(options), std::regex("\n  (-[a-z], )?" + it->str() + "\\b")))
                << verb << ": " << it->str() << " is not described:\n" << help.out;

        CommandResult short_help = RunCommand({BerthctlPath(), verb, "-h"});
        EXPECT_EQ(short_help.exit_code, 0) << verb << ": " << Describe(short_help);
        EXPECT_EQ(short_help.out, help.out) << verb;
    }
}

TEST(BerthctlHelp, HelpAfterANameOrOptionIsHelpButACommandsOwnDashHIsNot) {
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"cat", "web", "--help"},
                                               {"show-config", "--help"},
                                               {"check-config", "--help"},
                                               {"kill", "web", "-h"},
                                               {"exec", "--env", "A=B", "web", "--help"},
                                               {"run", "--rootfs", "/nonexistent", "--help"},
                                               {"update", "web", "--memory", "1M", "--help"}}) {
        std::vector<std::string> argv = {BerthctlPath()};
        argv.insert(argv.end(), args.begin(), args.end());
        CommandResult r = RunCommand(argv);
        EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << Describe(r);
        EXPECT_EQ(r.out.rfind("Usage: berthctl " + args[0], 0), 0u) << args[0] << ": " << r.out;
    }
    // After "--" (or where the container's command begins) -h belongs to the command.
    CommandResult r = RunCommand({BerthctlPath(), "--state-dir", "/nonexistent/berth", "exec", "web", "--", "ls", "-h"});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(r.out.find("Usage:"), std::string::npos) << r.out;
}

// berthd --help explains every option its usage names, and berthd(8) (installed) does too.
TEST(BerthdHelp, HelpAndManPageDescribeEveryOption) {
    CommandResult help = RunCommand({BERTH_TEST_BERTHD, "--help"});
    ASSERT_EQ(help.exit_code, 0) << Describe(help);
    EXPECT_EQ(help.out.rfind("Usage: berthd ", 0), 0u) << help.out;
    EXPECT_EQ(RunCommand({BERTH_TEST_BERTHD, "-h"}).out, help.out);
    size_t options = help.out.find("\nOptions");
    ASSERT_NE(options, std::string::npos) << help.out;
    std::ifstream page(std::string(BERTH_TEST_SOURCE_ROOT) + "/man/berthd.8");
    std::string man((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(man.empty()) << "man/berthd.8";
    std::string usage = help.out.substr(0, options);
    std::regex option("--[a-z][a-z-]*");
    int named = 0;
    for (auto it = std::sregex_iterator(usage.begin(), usage.end(), option); it != std::sregex_iterator(); ++it, ++named) {
        EXPECT_TRUE(std::regex_search(help.out.substr(options), std::regex("\n  (-[a-z], )?" + it->str() + "\\b")))
            << it->str() << " is not described:\n" << help.out;
        std::string roff = std::regex_replace(it->str(), std::regex("-"), "\\\\-");
        EXPECT_TRUE(std::regex_search(man, std::regex("\n\\.(B|BI|BR) " + roff + "\\b")))
            << it->str() << " has no entry in berthd(8)";
    }
    EXPECT_GE(named, 5);
    for (const char* section : {"OPTIONS", "CONFIGURATION", "BUS NAME", "UNITS", "MONITORS", "SIGNALS", "FILES"})
        EXPECT_TRUE(std::regex_search(man, std::regex(std::string("\n\\.SH \"?") + section))) << section;
    std::ifstream build(std::string(BERTH_TEST_SOURCE_ROOT) + "/man/meson.build");
    std::string installed((std::istreambuf_iterator<char>(build)), std::istreambuf_iterator<char>());
    EXPECT_NE(installed.find("'berthd.8'"), std::string::npos) << "man/meson.build installs berthd.8";
}

}  // namespace
}  // namespace berth::testing
