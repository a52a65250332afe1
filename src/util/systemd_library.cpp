// libsystemd loaded on first use, for the programs that start containers (berthctl, berth-runtime):
// linked normally, libsystemd and its six libraries (libgcrypt, liblzma, libzstd, liblz4,
// libgpg-error, libcap) are mapped and relocated at every start, twice per `run` (the sealed
// re-exec), though a cgroupfs run never talks to systemd. This file defines the sd_* functions
// those programs call; each one opens libsystemd.so.0 the first time any is called and forwards
// to it. Hidden: libsystemd's own internal calls never bind to these. A function missing here
// still links against libsystemd.so (and then loads it at start), so forgetting one costs speed,
// never behaviour. Not for berthd, which uses the bus from its first instruction.
#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include <cerrno>
#include <string>

#include "util/error.hpp"

namespace berth {
namespace {

void* Library() {
    static void* const handle = [] {
        void* h = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            const char* why = ::dlerror();
            throw Error(std::string("Failed to load libsystemd.so.0: ") + (why ? why : "unknown error"), ENOENT);
        }
        return h;
    }();
    return handle;
}

void* Resolve(const char* name) {
    void* fn = ::dlsym(Library(), name);
    if (!fn)
        throw Error(std::string("Failed to load libsystemd.so.0: it has no ") + name, ENOENT);
    return fn;
}

}  // namespace
}  // namespace berth

#define BERTH_SD_FORWARD(ret, name, params, args)                                                  \
    extern "C" __attribute__((visibility("hidden"))) ret name params {                            \
        static const auto fn = reinterpret_cast<decltype(&name)>(berth::Resolve(#name));          \
        return fn args;                                                                            \
    }

// Unreferencing nothing and freeing an error that owns nothing are what every destructor does on
// the paths that never used the bus: they must not load the library.
#define BERTH_SD_FORWARD_UNREF(type, name)                                                         \
    extern "C" __attribute__((visibility("hidden"))) type* name(type* object) {                   \
        if (!object)                                                                               \
            return nullptr;                                                                        \
        static const auto fn = reinterpret_cast<decltype(&name)>(berth::Resolve(#name));          \
        return fn(object);                                                                         \
    }

extern "C" __attribute__((visibility("hidden"))) void sd_bus_error_free(sd_bus_error* e) {
    if (!e)
        return;
    if (e->_need_free <= 0) {
        *e = SD_BUS_ERROR_NULL;
        return;
    }
    static const auto fn = reinterpret_cast<decltype(&sd_bus_error_free)>(berth::Resolve("sd_bus_error_free"));
    fn(e);
}

// sd_notify(3): with $NOTIFY_SOCKET unset nothing is sent and 0 is returned.
extern "C" __attribute__((visibility("hidden"))) int sd_notify(int unset_environment, const char* state) {
    if (!::getenv("NOTIFY_SOCKET"))
        return 0;
    static const auto fn = reinterpret_cast<decltype(&sd_notify)>(berth::Resolve("sd_notify"));
    return fn(unset_environment, state);
}

BERTH_SD_FORWARD_UNREF(sd_bus_message, sd_bus_message_unref)
BERTH_SD_FORWARD_UNREF(sd_bus_slot, sd_bus_slot_unref)
BERTH_SD_FORWARD_UNREF(sd_bus, sd_bus_flush_close_unref)

BERTH_SD_FORWARD(int, sd_booted, (void), ())
BERTH_SD_FORWARD(int, sd_bus_open_system, (sd_bus * *ret), (ret))
BERTH_SD_FORWARD(int, sd_bus_open_user, (sd_bus * *ret), (ret))
BERTH_SD_FORWARD(int, sd_bus_add_match,
                 (sd_bus * bus, sd_bus_slot** slot, const char* match, sd_bus_message_handler_t callback, void* userdata),
                 (bus, slot, match, callback, userdata))
BERTH_SD_FORWARD(int, sd_bus_call,
                 (sd_bus * bus, sd_bus_message* m, uint64_t usec, sd_bus_error* ret_error, sd_bus_message** reply),
                 (bus, m, usec, ret_error, reply))
BERTH_SD_FORWARD(int, sd_bus_call_async,
                 (sd_bus * bus, sd_bus_slot** slot, sd_bus_message* m, sd_bus_message_handler_t callback,
                  void* userdata, uint64_t usec),
                 (bus, slot, m, callback, userdata, usec))
BERTH_SD_FORWARD(int, sd_bus_call_methodv,
                 (sd_bus * bus, const char* destination, const char* path, const char* interface, const char* member,
                  sd_bus_error* ret_error, sd_bus_message** reply, const char* types, va_list ap),
                 (bus, destination, path, interface, member, ret_error, reply, types, ap))
BERTH_SD_FORWARD(int, sd_bus_call_method_asyncv,
                 (sd_bus * bus, sd_bus_slot** slot, const char* destination, const char* path, const char* interface,
                  const char* member, sd_bus_message_handler_t callback, void* userdata, const char* types, va_list ap),
                 (bus, slot, destination, path, interface, member, callback, userdata, types, ap))
BERTH_SD_FORWARD(int, sd_bus_error_copy, (sd_bus_error * dest, const sd_bus_error* e), (dest, e))
BERTH_SD_FORWARD(int, sd_bus_error_has_name, (const sd_bus_error* e, const char* name), (e, name))
BERTH_SD_FORWARD(int, sd_bus_flush, (sd_bus * bus), (bus))
BERTH_SD_FORWARD(int, sd_bus_get_events, (sd_bus * bus), (bus))
BERTH_SD_FORWARD(int, sd_bus_get_fd, (sd_bus * bus), (bus))
BERTH_SD_FORWARD(int, sd_bus_get_property_string,
                 (sd_bus * bus, const char* destination, const char* path, const char* interface, const char* member,
                  sd_bus_error* ret_error, char** ret),
                 (bus, destination, path, interface, member, ret_error, ret))
BERTH_SD_FORWARD(int, sd_bus_is_open, (sd_bus * bus), (bus))
BERTH_SD_FORWARD(int, sd_bus_match_signal,
                 (sd_bus * bus, sd_bus_slot** ret, const char* sender, const char* path, const char* interface,
                  const char* member, sd_bus_message_handler_t callback, void* userdata),
                 (bus, ret, sender, path, interface, member, callback, userdata))
BERTH_SD_FORWARD(int, sd_bus_match_signal_async,
                 (sd_bus * bus, sd_bus_slot** ret, const char* sender, const char* path, const char* interface,
                  const char* member, sd_bus_message_handler_t match_callback, sd_bus_message_handler_t add_callback,
                  void* userdata),
                 (bus, ret, sender, path, interface, member, match_callback, add_callback, userdata))
BERTH_SD_FORWARD(int, sd_bus_message_appendv, (sd_bus_message * m, const char* types, va_list ap), (m, types, ap))
BERTH_SD_FORWARD(int, sd_bus_message_append_array, (sd_bus_message * m, char type, const void* ptr, size_t size),
                 (m, type, ptr, size))
BERTH_SD_FORWARD(int, sd_bus_message_close_container, (sd_bus_message * m), (m))
BERTH_SD_FORWARD(int, sd_bus_message_enter_container, (sd_bus_message * m, char type, const char* contents),
                 (m, type, contents))
BERTH_SD_FORWARD(int, sd_bus_message_exit_container, (sd_bus_message * m), (m))
BERTH_SD_FORWARD(int, sd_bus_message_get_errno, (sd_bus_message * m), (m))
BERTH_SD_FORWARD(const sd_bus_error*, sd_bus_message_get_error, (sd_bus_message * m), (m))
BERTH_SD_FORWARD(int, sd_bus_message_new_method_call,
                 (sd_bus * bus, sd_bus_message** m, const char* destination, const char* path, const char* interface,
                  const char* member),
                 (bus, m, destination, path, interface, member))
BERTH_SD_FORWARD(int, sd_bus_message_open_container, (sd_bus_message * m, char type, const char* contents),
                 (m, type, contents))
BERTH_SD_FORWARD(int, sd_bus_message_peek_type, (sd_bus_message * m, char* type, const char** contents),
                 (m, type, contents))
BERTH_SD_FORWARD(int, sd_bus_message_readv, (sd_bus_message * m, const char* types, va_list ap), (m, types, ap))
BERTH_SD_FORWARD(int, sd_bus_message_read_strv, (sd_bus_message * m, char*** l), (m, l))
BERTH_SD_FORWARD(sd_bus_message*, sd_bus_message_ref, (sd_bus_message * m), (m))
BERTH_SD_FORWARD(int, sd_bus_message_skip, (sd_bus_message * m, const char* types), (m, types))
BERTH_SD_FORWARD(int, sd_bus_path_encode, (const char* prefix, const char* external_id, char** ret_path),
                 (prefix, external_id, ret_path))
BERTH_SD_FORWARD(int, sd_bus_process, (sd_bus * bus, sd_bus_message** r), (bus, r))
BERTH_SD_FORWARD(int, sd_bus_wait, (sd_bus * bus, uint64_t timeout_usec), (bus, timeout_usec))
BERTH_SD_FORWARD(int, sd_journal_open, (sd_journal * *ret, int flags), (ret, flags))
BERTH_SD_FORWARD(void, sd_journal_close, (sd_journal * j), (j))
BERTH_SD_FORWARD(int, sd_journal_add_match, (sd_journal * j, const void* data, size_t size), (j, data, size))
BERTH_SD_FORWARD(int, sd_journal_get_data, (sd_journal * j, const char* field, const void** data, size_t* l),
                 (j, field, data, l))
BERTH_SD_FORWARD(int, sd_journal_get_realtime_usec, (sd_journal * j, uint64_t* ret), (j, ret))
BERTH_SD_FORWARD(int, sd_journal_next, (sd_journal * j), (j))
BERTH_SD_FORWARD(int, sd_journal_previous_skip, (sd_journal * j, uint64_t skip), (j, skip))
BERTH_SD_FORWARD(int, sd_journal_seek_head, (sd_journal * j), (j))
BERTH_SD_FORWARD(int, sd_journal_seek_tail, (sd_journal * j), (j))
BERTH_SD_FORWARD(int, sd_journal_wait, (sd_journal * j, uint64_t timeout_usec), (j, timeout_usec))
BERTH_SD_FORWARD(int, sd_journal_sendv_with_location,
                 (const char* file, const char* line, const char* func, const struct iovec* iov, int n),
                 (file, line, func, iov, n))

// The variadic calls, through their va_list forms.
extern "C" __attribute__((visibility("hidden"))) int sd_bus_call_method(sd_bus* bus, const char* destination,
                                                                        const char* path, const char* interface,
                                                                        const char* member, sd_bus_error* ret_error,
                                                                        sd_bus_message** reply, const char* types, ...) {
    va_list ap;
    va_start(ap, types);
    int r = sd_bus_call_methodv(bus, destination, path, interface, member, ret_error, reply, types, ap);
    va_end(ap);
    return r;
}

extern "C" __attribute__((visibility("hidden"))) int sd_bus_call_method_async(
    sd_bus* bus, sd_bus_slot** slot, const char* destination, const char* path, const char* interface,
    const char* member, sd_bus_message_handler_t callback, void* userdata, const char* types, ...) {
    va_list ap;
    va_start(ap, types);
    int r = sd_bus_call_method_asyncv(bus, slot, destination, path, interface, member, callback, userdata, types, ap);
    va_end(ap);
    return r;
}

extern "C" __attribute__((visibility("hidden"))) int sd_bus_message_append(sd_bus_message* m, const char* types, ...) {
    va_list ap;
    va_start(ap, types);
    int r = sd_bus_message_appendv(m, types, ap);
    va_end(ap);
    return r;
}

extern "C" __attribute__((visibility("hidden"))) int sd_bus_message_read(sd_bus_message* m, const char* types, ...) {
    va_list ap;
    va_start(ap, types);
    int r = sd_bus_message_readv(m, types, ap);
    va_end(ap);
    return r;
}
