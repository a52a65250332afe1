#include "manager/container_id.hpp"

#include <cctype>

#include "util/error.hpp"

namespace berth::manager {

bool ContainerId::IsValid(const std::string& name) {
    if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0])))
        return false;
    for (unsigned char c : name)
        if (!std::isalnum(c) && c != '_' && c != '.' && c != '-')
            return false;
    return true;
}

ContainerId::ContainerId(std::string name) : name_(std::move(name)) {
    if (!IsValid(name_))
        throw Error("Invalid container name '" + name_ +
                    "': use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
}

}  // namespace berth::manager
