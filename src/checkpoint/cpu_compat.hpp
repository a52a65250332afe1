#pragma once
// Whether this host's CPU can run what a checkpoint was dumped on: CRIU's cpuinfo image
// (`criu cpuinfo dump`) travels in an export, and an import checks it (`criu cpuinfo check`)
// before anything is restored.
#include <string>

#include "checkpoint/checkpoint.hpp"

namespace berth::checkpoint {

// CRIU's name for the image of the CPU's features.
inline constexpr const char* kCpuinfoImage = "cpuinfo.img";

// The CPU lacks features (or is of another kind than) the checkpoint's; what() has CRIU's reason.
class CpuIncompatible : public HostLacks {
public:
    using HostLacks::HostLacks;
};

// Writes cpuinfo.img of this host's CPU into image_dir unless the dump already did.
void RecordCpuinfo(const std::string& criu_path, const std::string& image_dir);

// CPUINFO_CHECK of image_dir's cpuinfo.img against this host, CRIU's log going to work_dir.
// Throws CpuIncompatible naming `what` when the check fails or the image has no cpuinfo.img.
void RequireCompatibleCpu(const std::string& criu_path, const std::string& image_dir, const std::string& work_dir,
                          const std::string& what);

}  // namespace berth::checkpoint
