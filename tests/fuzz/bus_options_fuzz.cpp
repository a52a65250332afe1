// libFuzzer target: berthd's D-Bus argument readers (bus/message_read.hpp) and what it makes of
// their values (CreateContainer overrides, UpdateContainer resources, bus/options.cpp). The fuzz
// bytes drive the building of a real sd-bus message (sd_bus_message_new + append): mostly an
// a{sv} with known and random keys whose variants hold any type, or an "as", or something else
// entirely; it is sealed and read back as berthd reads a call's arguments. Wrong types must end
// in a negative errno or an InvalidArgs/InvalidConfig error, nothing else.
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bus/manager_engine.hpp"
#include "bus/message_read.hpp"

using namespace berth;

namespace {

// The keys the readers give meaning to (and a few near misses); others come from the input.
const char* const kKeys[] = {"Rootfs", "Hostname", "Args", "Env", "Cwd", "StopTimeoutUSec", "NetworkNamespace",
                             "MemoryMax", "MemoryHigh", "MemorySwapMax", "CPUWeight", "IOWeight", "TasksMax",
                             "CPUQuota", "AllowedCPUs", "", "memorymax", "Rootfs\x01"};
// Variant contents: what ReadOptions supports, and types it must refuse.
const char* const kVariantTypes[] = {"b", "i", "x", "u", "t", "s", "as", "y", "n", "q", "d", "o", "g",
                                     "ai", "a{sv}", "a{ss}", "(s)", "v", "aas", "(ss)"};

// A message every sd_bus_message_new can hang off: a bus on one end of a socketpair, started
// (sd-bus refuses messages for a bus in state UNSET) but never used.
sd_bus* Bus() {
    static sd_bus* bus = [] {
        int fds[2];
        sd_bus* b = nullptr;
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0 || sd_bus_new(&b) < 0 ||
            sd_bus_set_fd(b, fds[0], fds[0]) < 0 || sd_bus_start(b) < 0) {
            std::fprintf(stderr, "cannot set up an sd-bus for the fuzzer\n");
            std::abort();
        }
        return b;
    }();
    return bus;
}

int AppendValue(sd_bus_message* m, FuzzedDataProvider& in, const std::string& type, int depth);

// Appends one complete value of the single complete type at type[0...].
int AppendContainer(sd_bus_message* m, FuzzedDataProvider& in, char kind, const std::string& contents, int depth) {
    int r = sd_bus_message_open_container(m, kind, contents.c_str());
    if (r < 0)
        return r;
    if (kind == 'a') {
        size_t n = in.ConsumeIntegralInRange<size_t>(0, 4);
        for (size_t i = 0; i < n && r >= 0; ++i)
            r = AppendValue(m, in, contents, depth + 1);
    } else if (kind == 'v') {
        r = AppendValue(m, in, contents, depth + 1);
    } else {  // 'r' (struct) or 'e' (dict entry): each member in turn
        for (size_t at = 0; at < contents.size() && r >= 0;) {
            size_t end = at + 1;
            if (contents[at] == 'a')  // members are basic, "a" + basic, or "a{..}" (kTopTypes, kVariantTypes)
                end = contents[at + 1] == '{' ? contents.find('}', at) + 1 : at + 2;
            r = AppendValue(m, in, contents.substr(at, end - at), depth + 1);
            at = end;
        }
    }
    return r < 0 ? r : sd_bus_message_close_container(m);
}

int AppendValue(sd_bus_message* m, FuzzedDataProvider& in, const std::string& type, int depth) {
    if (depth > 8)
        return -E2BIG;
    switch (type[0]) {
        case 'b': { int v = in.ConsumeBool(); return sd_bus_message_append_basic(m, 'b', &v); }
        case 'y': { uint8_t v = in.ConsumeIntegral<uint8_t>(); return sd_bus_message_append_basic(m, 'y', &v); }
        case 'n': { int16_t v = in.ConsumeIntegral<int16_t>(); return sd_bus_message_append_basic(m, 'n', &v); }
        case 'q': { uint16_t v = in.ConsumeIntegral<uint16_t>(); return sd_bus_message_append_basic(m, 'q', &v); }
        case 'i': { int32_t v = in.ConsumeIntegral<int32_t>(); return sd_bus_message_append_basic(m, 'i', &v); }
        case 'u': { uint32_t v = in.ConsumeIntegral<uint32_t>(); return sd_bus_message_append_basic(m, 'u', &v); }
        case 'x': { int64_t v = in.ConsumeIntegral<int64_t>(); return sd_bus_message_append_basic(m, 'x', &v); }
        case 't': { uint64_t v = in.ConsumeIntegral<uint64_t>(); return sd_bus_message_append_basic(m, 't', &v); }
        case 'd': { double v = in.ConsumeFloatingPoint<double>(); return sd_bus_message_append_basic(m, 'd', &v); }
        case 's': case 'o': case 'g': {
            std::string v = in.ConsumeRandomLengthString(64);
            return sd_bus_message_append_basic(m, type[0], v.c_str());
        }
        case 'a':
            return AppendContainer(m, in, 'a', type.substr(1), depth);
        case 'v': {
            std::string contents = in.PickValueInArray(kVariantTypes);
            return AppendContainer(m, in, 'v', contents, depth);
        }
        case '(':
            return AppendContainer(m, in, 'r', type.substr(1, type.size() - 2), depth);
        case '{': {
            std::string contents = type.substr(1, type.size() - 2);
            // The key of a{sv} from the known ones most of the time.
            if (contents == "sv" && in.ConsumeBool()) {
                int r = sd_bus_message_open_container(m, 'e', "sv");
                if (r < 0 || (r = sd_bus_message_append_basic(m, 's', in.PickValueInArray(kKeys))) < 0 ||
                    (r = AppendValue(m, in, "v", depth + 1)) < 0)
                    return r;
                return sd_bus_message_close_container(m);
            }
            return AppendContainer(m, in, 'e', contents, depth);
        }
    }
    return -EINVAL;
}

void Use(const bus::Options& options, FuzzedDataProvider& in) {
    try {
        if (in.ConsumeBool()) {
            config::ContainerConfig c;
            c.namespaces.push_back({config::NamespaceKind::Net, std::nullopt});
            bus::ApplyCreateOverrides(options, c);
        } else {
            config::Resources r;
            bus::ApplyResourceOptions(options, r, in.ConsumeBool());
        }
    } catch (const bus::ApiError& e) {
        if (e.Kind() != bus::ApiErrorKind::InvalidConfig) {
            std::fprintf(stderr, "unexpected error kind for bad options: %s\n", e.what());
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    // What berthd reads: an a{sv}, an "as", or (a wrong call) another type.
    static const char* const kTopTypes[] = {"a{sv}", "a{sv}", "a{sv}", "as", "a{ss}", "s", "av", "a{sa{sv}}"};
    std::string top = in.PickValueInArray(kTopTypes);
    bool read_strings = in.ConsumeBool();

    sd_bus_message* m = nullptr;
    if (sd_bus_message_new_method_call(Bus(), &m, "org.berth1", "/org/berth1", "org.berth1.Manager", "Fuzz") < 0)
        std::abort();
    int r = AppendValue(m, in, top, 0);
    if (r >= 0 && sd_bus_message_seal(m, 1, 0) >= 0 && sd_bus_message_rewind(m, 1) >= 0) {
        if (read_strings) {
            std::vector<std::string> strings;
            bus::ReadStrings(m, strings);
        } else {
            bus::Options options;
            sd_bus_error error = {};  // SD_BUS_ERROR_NULL is a C99 compound literal (-Wpedantic in C++)
            if (bus::ReadOptions(m, options, &error) >= 0)
                Use(options, in);
            sd_bus_error_free(&error);
        }
    }
    sd_bus_message_unref(m);
    return 0;
}
