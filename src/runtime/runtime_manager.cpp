#include "runtime/runtime_manager.hpp"

namespace berth::runtime {

manager::Manager OpenManager(const GlobalOptions& global) {
    return manager::Manager(global.root, global.systemd_cgroup ? "systemd" : "cgroupfs", config::SearchPath{});
}

}  // namespace berth::runtime
