#pragma once
// The snapshot text that catalog::snapshot() writes (`migrate dump-schema`) and
// catalog::read_snapshot() reads back.
//
// A comment line, then one block per object, blocks separated by a blank line. Every block
// begins with a header `-- <kind> <name>` and holds the object's SQL. A table block holds its
// columns one per line (four spaces, then the column's name, in attnum order) between
// `CREATE TABLE … (` and `)`, then a partition's `ALTER TABLE ONLY … ATTACH PARTITION …;`, one
// `ALTER TABLE ONLY … ADD CONSTRAINT <name> …;` line per constraint, so that a difference can be
// pinned on a column or a constraint by name, and `COMMENT ON TABLE|COLUMN …;` lines. A line
// may continue on the next when a literal holds a line break.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace pgkit::catalog::snapshot_format {

/// Object kinds, in the order their blocks appear (roughly: what others depend on first).
inline constexpr std::array<std::string_view, 13> kKinds = {
    "extension",         "schema", "enum",   "type", "domain", "sequence", "function", "procedure", "table", "view",
    "materialized view", "index",  "trigger"};

/// Indent of a column line inside `CREATE TABLE … (` … `)`, and of other continuation lines.
inline constexpr std::string_view kIndent = "    ";
/// What introduces a constraint's name in a table block.
inline constexpr std::string_view kAddConstraint = " ADD CONSTRAINT ";

/// Position of kind in kKinds; kKinds.size() when unknown.
inline std::size_t kind_rank(std::string_view kind) {
  return static_cast<std::size_t>(std::find(kKinds.begin(), kKinds.end(), kind) - kKinds.begin());
}

/// text's lines, without their line ends ("\n" or "\r\n") and without the empty line a final
/// newline would leave.
inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::size_t start = 0;
  while (true) {
    auto end = std::min(text.find('\n', start), text.size());
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    if (end == text.size()) return lines;
    start = end + 1;
  }
}

}  // namespace pgkit::catalog::snapshot_format
