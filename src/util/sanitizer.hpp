#pragma once
// Whether this build runs under AddressSanitizer (meson -Db_sanitize=address): GCC defines
// __SANITIZE_ADDRESS__, clang answers __has_feature(address_sanitizer).

namespace berth {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace berth
