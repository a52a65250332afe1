#include "runtime/context.hpp"

#include <cerrno>
#include <fstream>

#include "util/error.hpp"
#include "util/file.hpp"

namespace berth::runtime {
namespace {

constexpr const char* kDefaultOciVersion = "1.2.0";

std::string ExtrasPath(const GlobalOptions& global, const manager::ContainerId& id) {
    return global.root + "/" + id.str() + "/oci.json";
}

}  // namespace

manager::Manager MakeManager(const GlobalOptions& global) {
    return manager::Manager(global.root, global.systemd_cgroup ? "systemd" : "cgroupfs", config::SearchPath{});
}

void SaveExtras(const GlobalOptions& global, const manager::ContainerId& id, const oci::OciExtras& extras) {
    const std::string path = ExtrasPath(global, id);
    const std::string temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << oci::ExtrasToJson(extras).dump() << "\n";
        if (!out.flush())
            throw Error("Failed to write " + temp, errno ? errno : EIO);
    }
    if (::rename(temp.c_str(), path.c_str()) < 0)
        ThrowErrno("rename " + temp + " to " + path);
}

oci::OciExtras LoadExtras(const GlobalOptions& global, const manager::ContainerId& id) {
    const std::string path = ExtrasPath(global, id);
    std::ifstream in(path);
    if (!in)
        return {};
    try {
        return oci::ExtrasFromJson(nlohmann::json::parse(in));
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": " + e.what(), EINVAL);
    }
}

const char* OciStatus(manager::Status status) {
    switch (status) {
        case manager::Status::Creating: return "creating";
        case manager::Status::Created: return "created";
        case manager::Status::Running: return "running";
        case manager::Status::Paused: return "paused";
        case manager::Status::Stopped:
        case manager::Status::Checkpointed: return "stopped";
    }
    return "stopped";
}

nlohmann::json OciState(const manager::ContainerState& state, const oci::OciExtras& extras) {
    const bool has_process = state.status != manager::Status::Stopped && state.status != manager::Status::Checkpointed;
    nlohmann::json json{
        {"ociVersion", extras.oci_version.empty() ? kDefaultOciVersion : extras.oci_version},
        {"id", state.name},
        {"status", OciStatus(state.status)},
        {"pid", has_process ? state.pid : 0},
        {"bundle", extras.bundle},
        {"rootfs", state.rootfs},
        {"created", state.created},
        {"owner", ""},
    };
    if (!extras.annotations.empty())
        json["annotations"] = extras.annotations;
    return json;
}

}  // namespace berth::runtime
