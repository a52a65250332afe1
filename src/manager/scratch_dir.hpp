#pragma once
// A directory made for one export, import or migration: PARENT/.berth-TAG-XXXXXX, removed with its
// content when it goes out of scope unless kept.
#include <string>

namespace berth::manager {

class ScratchDir {
public:
    // `parent` must exist.
    ScratchDir(const std::string& parent, const std::string& tag);
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir();

    const std::string& Path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }
    void Keep() { kept_ = true; }

private:
    std::string path_;
    bool kept_ = false;
};

}  // namespace berth::manager
