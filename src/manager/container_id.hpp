#pragma once
// A container's name, validated once where it enters the system.
#include <compare>
#include <string>

namespace berth::manager {

class ContainerId {
public:
    // Throws Error unless name matches [A-Za-z0-9][A-Za-z0-9_.-]{0,63}.
    explicit ContainerId(std::string name);
    static bool IsValid(const std::string& name);

    const std::string& str() const noexcept { return name_; }
    friend auto operator<=>(const ContainerId&, const ContainerId&) = default;

private:
    std::string name_;
};

}  // namespace berth::manager
