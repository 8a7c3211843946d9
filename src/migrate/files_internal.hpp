#pragma once
// Private to src/migrate/files*.cpp: reading one migration file's text into a Migration.
// files.cpp walks the directory and knows file names; files_parse.cpp knows what is inside.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgkit/migrate.hpp"

namespace pgkit::migrate::detail {

/// Every problem found in a directory, each "<file>: <what is wrong — and the fix>".
class Problems {
 public:
  void add(const std::filesystem::path& file, std::string what) { list_.push_back({file.string(), std::move(what)}); }
  bool empty() const { return list_.empty(); }
  /// Throw one MigrationError listing every problem, sorted by file. Does nothing when empty.
  void throw_if_any(const std::filesystem::path& dir) const;

 private:
  std::vector<std::pair<std::string, std::string>> list_;
};

/// The file's bytes, with a UTF-8 byte-order mark removed; nullopt (and a problem) when the
/// file cannot be read or is not valid UTF-8.
std::optional<std::string> read_text(const std::filesystem::path& file, Problems& problems);

/// True when text has a `-- migrate:up` or `-- migrate:down` line (pgkit's / dbmate's format).
bool has_native_markers(std::string_view text);
/// True when text has a `-- +goose …` annotation line.
bool has_goose_markers(std::string_view text);

/// Fill m's up/down sections, first lines and transaction flags from a pgkit (dbmate) file.
/// False when a problem was added (m is then incomplete).
bool parse_native(const std::string& text, Migration& m, Problems& problems);
/// Fill m's sections, statements and transaction flags from a goose file. False when a
/// problem was added.
bool parse_goose(const std::string& text, Migration& m, Problems& problems);

/// True when sql holds at least one statement (not only blanks and comments).
bool has_sql(const std::string& sql);

}  // namespace pgkit::migrate::detail
