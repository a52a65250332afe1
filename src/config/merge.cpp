#include "config/merge.hpp"

#include <string>

namespace berth::config {

void MergeTables(toml::table& base, toml::table&& overlay) {
    for (auto&& [key, value] : overlay) {
        toml::node* existing = base.get(key.str());
        if (existing != nullptr && existing->is_table() && value.is_table()) {
            MergeTables(*existing->as_table(), std::move(*value.as_table()));
            continue;
        }
        // erase + insert (not assign) so the key's own source is the overlay's too.
        base.erase(key.str());
        base.insert(key, std::move(value));
    }
    overlay.clear();
}

}  // namespace berth::config
