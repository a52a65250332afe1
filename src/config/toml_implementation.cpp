// toml++'s compiled part (the installed headers, TOML_HEADER_ONLY=0): linked into our programs as
// a static library instead of libtomlplusplus.so, see meson.build.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
