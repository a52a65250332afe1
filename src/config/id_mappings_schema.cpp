// [[uid_mappings]] / [[gid_mappings]]: ranges of IDs inside a user namespace mapped to the host.
#include "config/schema_parts.hpp"
#include "config/toml_values.hpp"

namespace berth::config {
namespace {

constexpr int64_t kIdSpace = 4294967296;  // 2^32: a range may end exactly there
constexpr size_t kMaxRanges = 340;        // the kernel's limit per map since Linux 4.15

bool Overlaps(uint32_t a_start, uint32_t b_start, uint32_t size_a, uint32_t size_b) {
    uint64_t a_end = uint64_t{a_start} + size_a;
    uint64_t b_end = uint64_t{b_start} + size_b;
    return a_start < b_end && b_start < a_end;
}

}  // namespace

void ApplyIdMappings(const toml::node& node, const std::string& key, std::vector<IdMapping>& mappings,
                     Problems& problems) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
        problems.Add(node, key, "expected an array of tables ([[" + key + "]]), got " + DescribeNode(node));
        return;
    }
    if (array->size() > kMaxRanges) {
        problems.Add(node, key, "expected at most " + std::to_string(kMaxRanges) + " ranges");
        return;
    }
    std::vector<IdMapping> out;
    for (size_t i = 0; i < array->size(); ++i) {
        std::string path = IndexPath(key, i);
        const toml::table* table = ReadTable((*array)[i], path, problems);
        if (table == nullptr)
            continue;
        CheckKeys(*table, path, {"container_id", "host_id", "size"}, problems);
        std::optional<int64_t> values[3];
        const char* names[3] = {"container_id", "host_id", "size"};
        for (int f = 0; f < 3; ++f) {
            int64_t min = f == 2 ? 1 : 0;
            int64_t max = f == 2 ? kIdSpace - 1 : kMaxId;
            if (const toml::node* field = table->get(names[f]))
                values[f] = ReadInteger(*field, KeyPath(path, names[f]), min, max, problems);
            else
                problems.Add(*table, KeyPath(path, names[f]),
                             "required key missing; expected an integer from " + std::to_string(min) + " to " +
                                 std::to_string(max));
        }
        if (!values[0] || !values[1] || !values[2])
            continue;
        if (*values[0] + *values[2] > kIdSpace || *values[1] + *values[2] > kIdSpace) {
            problems.Add(*table->get("size"), KeyPath(path, "size"), "expected a range that ends below 2^32");
            continue;
        }
        IdMapping mapping{static_cast<uint32_t>(*values[0]), static_cast<uint32_t>(*values[1]),
                          static_cast<uint32_t>(*values[2])};
        bool clash = false;
        for (size_t j = 0; j < out.size() && !clash; ++j) {
            const IdMapping& other = out[j];
            if (Overlaps(mapping.container_id, other.container_id, mapping.size, other.size)) {
                problems.Add(*table, path, "container IDs overlap with " + IndexPath(key, j));
                clash = true;
            } else if (Overlaps(mapping.host_id, other.host_id, mapping.size, other.size)) {
                problems.Add(*table, path, "host IDs overlap with " + IndexPath(key, j));
                clash = true;
            }
        }
        if (!clash)
            out.push_back(mapping);
    }
    if (out.size() == array->size())
        mappings = std::move(out);
}

}  // namespace berth::config
