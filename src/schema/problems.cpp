// Diagnostics: positions from byte offsets, the text of one diagnostic, and SchemaError.
#include "schema/problems.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace pgkit::schema {

std::string Diagnostic::text() const {
  if (where.line == 0) return fmt::format("{}: {}: {}", where.file, warning ? "warning" : "error", message);
  return fmt::format("{}:{}:{}: {}: {}", where.file, where.line, where.column, warning ? "warning" : "error", message);
}

namespace {

std::string compose(const std::vector<Diagnostic>& diagnostics) {
  std::string out = diagnostics.size() == 1 ? std::string("1 problem in the Prisma schema:")
                                            : fmt::format("{} problems in the Prisma schema:", diagnostics.size());
  for (const auto& d : diagnostics) out += "\n  " + d.text();
  return out;
}

}  // namespace

SchemaError::SchemaError(std::vector<Diagnostic> diagnostics)
    : Error({.message = compose(diagnostics),
             .hint = "fix every problem listed; nothing is applied until the schema validates"},
            std::source_location{}),  // where pgkit threw means nothing to the schema's author
      diagnostics_(std::move(diagnostics)) {}

namespace detail {

Location Problems::locate(std::uint32_t file, std::uint32_t offset) const {
  Location where;
  if (file >= files_.size()) return where;
  const std::string& text = files_[file].text;
  where.file = files_[file].path;
  if (offset > text.size()) offset = static_cast<std::uint32_t>(text.size());
  if (line_starts_.size() < files_.size()) {
    line_starts_.resize(files_.size());
    last_line_.resize(files_.size(), 0);
  }
  auto& starts = line_starts_[file];
  if (starts.empty()) {
    // A line ends at \n, \r\n or \r (Prisma's NEWLINE); files without \r take the fast path.
    starts.push_back(0);
    if (text.find('\r') == std::string::npos) {
      for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) {
        starts.push_back(static_cast<std::uint32_t>(at + 1));
      }
    } else {
      for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
          starts.push_back(static_cast<std::uint32_t>(i + 1));
        }
      }
    }
  }
  // Positions come mostly in file order: look near the last answer before searching.
  std::size_t& hint = last_line_[file];
  if (hint >= starts.size() || starts[hint] > offset) hint = 0;
  std::size_t steps = 0;
  while (hint + 1 < starts.size() && starts[hint + 1] <= offset && ++steps < 8) ++hint;
  if (hint + 1 < starts.size() && starts[hint + 1] <= offset) {
    hint = static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin()) - 1;
  }
  const std::size_t line_start = starts[hint];
  int column = 1;
  for (std::size_t i = line_start; i < offset; ++i) {
    // Count code points: every byte that does not continue a UTF-8 sequence.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  where.line = static_cast<int>(hint + 1);
  where.column = column;
  return where;
}

std::vector<Diagnostic> Problems::take(bool warnings) const {
  std::vector<Diagnostic> out;
  for (const auto& raw : raw_) {
    if (raw.warning != warnings) continue;
    out.push_back({.where = locate(raw.file, raw.offset), .message = raw.message, .warning = raw.warning});
  }
  auto key = [](const Diagnostic& d) { return std::tie(d.where.file, d.where.line, d.where.column); };
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  // The same message twice at one place (a relation seen from both of its sides) is said once.
  std::vector<Diagnostic> unique;
  unique.reserve(out.size());
  std::size_t group = 0;  // where the diagnostics at the current position start in unique
  for (auto& d : out) {
    if (!unique.empty() && key(unique.back()) != key(d)) group = unique.size();
    bool seen = false;
    for (std::size_t k = group; k < unique.size() && !seen; ++k) seen = unique[k].message == d.message;
    if (!seen) unique.push_back(std::move(d));
  }
  return unique;
}

}  // namespace detail
}  // namespace pgkit::schema
