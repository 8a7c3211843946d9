#pragma once
// Private to src/schema: every error and warning found while reading a schema, kept as byte
// offsets and turned into file:line:column (columns in characters, 1-based) only when reported,
// so a clean schema pays nothing for positions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pgkit/schema.hpp"

namespace pgkit::schema::detail {

class Problems {
 public:
  /// files must outlive this object (positions are computed from their text).
  explicit Problems(const std::vector<SchemaFile>& files) : files_(files) {}

  void error(std::uint32_t file, std::uint32_t offset, std::string message) {
    raw_.push_back({file, offset, std::move(message), false});
    ++errors_;
  }
  void warning(std::uint32_t file, std::uint32_t offset, std::string message) {
    raw_.push_back({file, offset, std::move(message), true});
  }
  bool has_errors() const { return errors_ > 0; }
  std::size_t error_count() const { return errors_; }

  /// 1-based line and character column of a byte offset.
  Location locate(std::uint32_t file, std::uint32_t offset) const;

  /// Errors (warning = false) or warnings, sorted by file path, line and column, duplicates
  /// removed.
  std::vector<Diagnostic> take(bool warnings) const;

 private:
  struct Raw {
    std::uint32_t file;
    std::uint32_t offset;
    std::string message;
    bool warning;
  };
  const std::vector<SchemaFile>& files_;
  std::vector<Raw> raw_;
  mutable std::vector<std::vector<std::uint32_t>> line_starts_;  // per file, filled by locate()
  mutable std::vector<std::size_t> last_line_;                   // per file: locate()'s last answer
  std::size_t errors_ = 0;
};

/// Backquoted for messages: `name`.
inline std::string backquoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '`';
  out += s;
  out += '`';
  return out;
}

}  // namespace pgkit::schema::detail
