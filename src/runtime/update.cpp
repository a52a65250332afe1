// berth-runtime update [--resources FILE|-] [--memory N] [--memory-swap N] [--cpu-shares N]
// [--cpu-quota N] [--cpu-period N] [--cpuset-cpus LIST] [--pids-limit N] [--blkio-weight N] ID:
// changes a running container's limits live, as runc's. --resources is runtime-spec's
// LinuxResources JSON ("-": standard input, what the containerd shim writes); the flags are
// written into such a document, so both go through the converter (oci/convert_resources.cpp).
#include <nlohmann/json.hpp>

#include <iostream>
#include <iterator>

#include "oci/spec.hpp"
#include "runtime/options.hpp"
#include "runtime/context.hpp"
#include "runtime/verb.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::runtime {
namespace {

using Json = nlohmann::json;

// A size as runc's flags take it: bytes, or a number with k, m, g, t (optionally "b", binary
// multiples, any case); -1 means unlimited.
int64_t ParseRamSize(const std::string& flag, const std::string& text) {
    if (text == "-1")
        return -1;
    size_t used = 0;
    double number = 0;
    try {
        number = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    std::string unit = text.substr(used);
    for (char& c : unit)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!unit.empty() && unit.back() == 'b')
        unit.pop_back();
    static const std::string kUnits = "kmgtp";
    double multiplier = 1;
    if (unit.size() == 1 && kUnits.find(unit[0]) != std::string::npos)
        multiplier = static_cast<double>(1ULL << (10 * (kUnits.find(unit[0]) + 1)));
    else if (!unit.empty())
        used = 0;
    if (used == 0 || number < 0)
        throw UsageError{"invalid value '" + text + "' for --" + flag + " (bytes, or a number with k, m, g, t)"};
    return static_cast<int64_t>(number * multiplier);
}

int64_t ParseInteger(const std::string& flag, const std::string& text) {
    size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size())
        throw UsageError{"invalid value '" + text + "' for --" + flag + " (an integer)"};
    return value;
}

// The flag's place in LinuxResources: {section, key, is a size}.
struct FlagTarget {
    const char* flag;
    const char* section;
    const char* key;
    enum { Size, Integer, Text } kind;
};
constexpr FlagTarget kFlagTargets[] = {
    {"memory", "memory", "limit", FlagTarget::Size},
    {"memory-swap", "memory", "swap", FlagTarget::Size},
    {"memory-reservation", "memory", "reservation", FlagTarget::Size},
    {"kernel-memory", "memory", "kernel", FlagTarget::Size},
    {"kernel-memory-tcp", "memory", "kernelTCP", FlagTarget::Size},
    {"cpu-share", "cpu", "shares", FlagTarget::Integer},
    {"cpu-shares", "cpu", "shares", FlagTarget::Integer},
    {"cpu-quota", "cpu", "quota", FlagTarget::Integer},
    {"cpu-period", "cpu", "period", FlagTarget::Integer},
    {"cpu-rt-period", "cpu", "realtimePeriod", FlagTarget::Integer},
    {"cpu-rt-runtime", "cpu", "realtimeRuntime", FlagTarget::Integer},
    {"cpuset-cpus", "cpu", "cpus", FlagTarget::Text},
    {"cpuset-mems", "cpu", "mems", FlagTarget::Text},
    {"pids-limit", "pids", "limit", FlagTarget::Integer},
    {"blkio-weight", "blockIO", "weight", FlagTarget::Integer},
};

Json ReadResourcesDocument(const std::string& source) {
    std::string text;
    if (source == "-")
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    else
        text = ReadFile(source);
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        throw Error("--resources " + (source == "-" ? std::string("(stdin)") : source) + ": not valid JSON: " + e.what());
    }
}

int UpdateMain(const GlobalOptions& global, const std::vector<std::string>& args) {
    Json resources = Json::object();
    std::string resources_source;
    OptionParser options(args);
    while (options.AtOption()) {
        const std::string name = options.Name();
        if (name == "r" || name == "resources") {
            resources_source = options.TakeValue();
            continue;
        }
        if (name == "l3-cache-schema" || name == "mem-bw-schema")
            throw Error("update --" + name + ": Berth has no Intel RDT support");
        const FlagTarget* target = nullptr;
        for (const FlagTarget& candidate : kFlagTargets)
            if (name == candidate.flag)
                target = &candidate;
        if (!target)
            options.RejectUnknown();
        std::string value = options.TakeValue();
        Json& slot = resources[target->section][target->key];
        if (target->kind == FlagTarget::Size)
            slot = ParseRamSize(name, value);
        else if (target->kind == FlagTarget::Integer)
            slot = ParseInteger(name, value);
        else
            slot = value;
    }
    manager::ContainerId id(TakeSingleId(options.Rest()));
    // runc: the flags apply over the document.
    if (!resources_source.empty()) {
        Json document = ReadResourcesDocument(resources_source);
        document.merge_patch(resources);
        resources = document;
    }
    manager::Manager manager = MakeManager(global);
    config::Resources changes;
    // The memory+swap sum needs the limit: when only swap is given, the container's limit counts.
    if (resources.contains("memory") && resources["memory"].contains("swap") && !resources["memory"].contains("limit")) {
        manager::ContainerState state = manager.Get(id);
        if (state.config.resources.memory_max)
            resources["memory"]["limit"] = state.config.resources.memory_max->bytes;
    }
    oci::ConvertResources(resources, changes);
    changes.devices.clear();  // device rules are not updated live, as with runc
    manager.Update(id, changes);
    return 0;
}

}  // namespace

BERTH_RUNTIME_VERB("update",
                   "update [--resources FILE|-] [--memory N] [--memory-swap N] [--cpu-shares N] [--cpu-quota N] "
                   "[--cpu-period N] [--cpuset-cpus LIST] [--pids-limit N] [--blkio-weight N] ID",
                   "update container resource constraints", UpdateMain);

}  // namespace berth::runtime
