#pragma once
// The container's seccomp filter (libseccomp): a default profile in the spirit of Docker's,
// `unconfined`, or a profile file (parsed and checked by config/seccomp_profile.hpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.hpp"

namespace berth::launch {

// A compiled filter, ready to load. libseccomp builds it in the parent and exports the BPF
// program (seccomp_export_bpf); the child only hands those bytes to seccomp(2) right before
// exec, so no libseccomp code (or its allocations) runs in the child.
class SeccompFilter {
public:
    explicit SeccompFilter(const config::SeccompProfile& profile);
    // Installs the filter on the calling thread (needs no_new_privs or CAP_SYS_ADMIN).
    void Load() const;
    // The exported program, {code, jt, jf, k} per instruction (struct sock_filter's layout).
    struct Instruction {
        uint16_t code;
        uint8_t jt, jf;
        uint32_t k;
    };
    const std::vector<Instruction>& Program() const { return program_; }

private:
    std::vector<Instruction> program_;
    unsigned flags_ = 0;
};

// The filter a configuration asks for; nullptr for `unconfined`.
std::unique_ptr<SeccompFilter> MakeSeccompFilter(const config::SeccompConfig& config);

}  // namespace berth::launch
