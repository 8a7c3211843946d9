#pragma once
// bytea values, which a page shows as their size only: downloaded whole, streamed a slice at a
// time (neither the studio nor the page holds a big value whole); uploads are ordinary staged
// changes (the page sends the value's \x text).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgkit/catalog.hpp"
#include "studio/pages.hpp"

namespace pgkit::studio {

/// Bytes a download reads at once.
inline constexpr std::int64_t kBinarySlice = 1 << 20;

/// SELECT octet_length(column) of the row the key values name.
Statement binary_length_statement(const catalog::Table& t, const std::vector<std::string>& key,
                                  const std::vector<std::optional<std::string>>& values, const catalog::Column& c);

/// SELECT the bytes from `from` (1-based) for `length` of that value.
Statement binary_slice_statement(const catalog::Table& t, const std::vector<std::string>& key,
                                 const std::vector<std::optional<std::string>>& values, const catalog::Column& c,
                                 std::int64_t from, std::int64_t length);

/// The bytes of bytea's text form ("\x6869" → "hi"). @throws std::invalid_argument otherwise
std::string bytes_of_hex(std::string_view text);

}  // namespace pgkit::studio
