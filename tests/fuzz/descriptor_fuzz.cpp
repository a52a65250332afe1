// libFuzzer target: the checkpoint descriptor (berth-checkpoint.toml next to CRIU's images), as
// `berthctl restore` reads it. A descriptor that parses must format and parse back to itself.
// Bad input must end in berth::Error, nothing else.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "checkpoint/descriptor.hpp"
#include "util/error.hpp"

using namespace berth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    checkpoint::Descriptor parsed;
    try {
        parsed = checkpoint::ParseDescriptor(text, "fuzz-descriptor.toml");
    } catch (const Error&) {
        return 0;
    }
    std::string formatted = checkpoint::FormatDescriptor(parsed);
    try {
        if (checkpoint::ParseDescriptor(formatted, "formatted") == parsed)
            return 0;
        std::fprintf(stderr, "the descriptor did not read back as written:\n%s\n", formatted.c_str());
    } catch (const Error& e) {
        std::fprintf(stderr, "a written descriptor does not parse: %s\n%s\n", e.what(), formatted.c_str());
    }
    std::abort();
}
