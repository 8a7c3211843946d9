// What is inside one migration file: its bytes (read as they are, checked to be UTF-8), and
// the sections of the formats that keep up and down in one file — pgkit's own (dbmate's
// `-- migrate:up` / `-- migrate:down`) and goose's (`-- +goose Up` / `Down` and friends).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "migrate/files_internal.hpp"

namespace pgkit::migrate::detail {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// One line of a file: where it starts, where the next one starts, and its text without the
// line ending.
struct Line {
  std::size_t begin = 0;
  std::size_t next = 0;
  int number = 1;
  std::string_view text;
};

std::vector<Line> lines_of(std::string_view text) {
  std::vector<Line> lines;
  std::size_t pos = 0;
  for (int number = 1; pos < text.size(); ++number) {
    auto nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view t = text.substr(pos, end - pos);
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    lines.push_back({pos, next, number, t});
    pos = next;
  }
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool consume(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// The text after "--" and blanks, or nullopt when the line is not a line comment.
std::optional<std::string_view> comment_body(std::string_view line) {
  line = trim(line);
  if (!consume(line, "--")) return std::nullopt;
  return trim(line);
}

// Byte offset of the first byte that is not part of well-formed UTF-8 (no overlong forms, no
// surrogates, nothing above U+10FFFF), or nullopt when all of text is valid.
std::optional<std::size_t> invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
      len = 2;
    else if (c == 0xE0)
      len = 3, lo = 0xA0;
    else if (c == 0xED)
      len = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF)
      len = 3;
    else if (c == 0xF0)
      len = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
      len = 4;
    else if (c == 0xF4)
      len = 4, hi = 0x8F;
    else
      return i;
    for (std::size_t k = 1; k < len; ++k) {
      if (i + k >= s.size()) return i;
      auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return i;
    }
    i += len;
  }
  return std::nullopt;
}

std::optional<std::string> down_or_none(std::string sql) {
  // A down section with nothing in it is no rollback: refusing to roll back beats deleting the
  // history row while the schema stays as it was.
  if (!has_sql(sql)) return std::nullopt;
  return sql;
}

// ---- pgkit / dbmate ---------------------------------------------------------------------------

struct NativeMarker {
  bool up = true;
  std::string_view options;
};

// `-- migrate:up`, `--migrate:down transaction:false`…
std::optional<NativeMarker> native_marker(std::string_view line) {
  auto body = comment_body(line);
  if (!body || !consume(*body, "migrate:")) return std::nullopt;
  NativeMarker m;
  if (consume(*body, "up"))
    m.up = true;
  else if (consume(*body, "down"))
    m.up = false;
  else
    return std::nullopt;
  if (!body->empty() && !std::isspace(static_cast<unsigned char>(body->front())))
    return std::nullopt;  // migrate:upgrade
  m.options = trim(*body);
  return m;
}

// ---- goose ------------------------------------------------------------------------------------

// The annotation of a `-- +goose …` line, lower case with single blanks ("up", "no transaction",
// "statementbegin"), or nullopt when the line is not one. goose itself matches case-insensitively.
std::optional<std::string> goose_annotation(std::string_view line) {
  auto body = comment_body(line);
  if (!body || !consume(*body, "+goose")) return std::nullopt;
  if (!body->empty() && !std::isspace(static_cast<unsigned char>(body->front()))) return std::nullopt;
  std::string out;
  std::istringstream words{std::string(*body)};
  for (std::string w; words >> w;) {
    std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::tolower(c); });
    out += (out.empty() ? "" : " ") + w;
  }
  return out;
}

std::string block_statement(std::string_view block) {
  block = trim(block);
  if (!block.empty() && block.back() == ';') block = trim(block.substr(0, block.size() - 1));
  return std::string(block);
}

struct GooseSection {
  int marker_line = 0;  // 0: the file has no such section
  int first_line = 1;
  std::string sql;  // the section with annotation lines blanked, so line numbers still match
  std::vector<std::string> statements;
  bool has_blocks = false;
};

}  // namespace

std::optional<std::string> read_text(const std::filesystem::path& file, Problems& problems) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    int err = errno;
    problems.add(file, fmt::format("cannot be read ({}) — check that it exists and its permissions",
                                   err ? std::strerror(err) : "open failed"));
    return std::nullopt;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    problems.add(file, "cannot be read (I/O error) — check the file and the disk");
    return std::nullopt;
  }
  std::size_t skipped = 0;
  if (text.substr(0, kBom.size()) == kBom) {
    text.erase(0, kBom.size());
    skipped = kBom.size();
  }
  if (auto bad = invalid_utf8(text)) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*bad), '\n'));
    problems.add(file, fmt::format("is not valid UTF-8 (byte offset {}, line {}) — save it as UTF-8, "
                                   "e.g. iconv -f LATIN1 -t UTF-8",
                                   *bad + skipped, line));
    return std::nullopt;
  }
  return text;
}

bool has_native_markers(std::string_view text) {
  for (const auto& line : lines_of(text))
    if (native_marker(line.text)) return true;
  return false;
}

bool has_goose_markers(std::string_view text) {
  for (const auto& line : lines_of(text))
    if (goose_annotation(line.text)) return true;
  return false;
}

bool has_sql(const std::string& sql) { return !split_statements(sql).empty(); }

bool parse_native(const std::string& text, Migration& m, Problems& problems) {
  const auto lines = lines_of(text);
  struct Found {
    const Line* line;
    NativeMarker marker;
  };
  std::vector<Found> markers;
  for (const auto& line : lines)
    if (auto mk = native_marker(line.text)) markers.push_back({&line, *mk});

  bool ok = true;
  const Found* up = nullptr;
  const Found* down = nullptr;
  for (const auto& f : markers) {
    const Found*& slot = f.marker.up ? up : down;
    const char* name = f.marker.up ? "-- migrate:up" : "-- migrate:down";
    if (slot) {
      problems.add(m.file, fmt::format("has a second `{}` on line {} (the first is on line {}) — keep one", name,
                                       f.line->number, slot->line->number));
      ok = false;
      continue;
    }
    slot = &f;
    std::istringstream words{std::string(f.marker.options)};
    for (std::string option; words >> option;) {
      bool& in_transaction = f.marker.up ? m.up_in_transaction : m.down_in_transaction;
      if (option == "transaction:false") {
        in_transaction = false;
      } else if (option == "transaction:true") {
        in_transaction = true;
      } else {
        problems.add(m.file, fmt::format("unknown option `{}` on line {} — the only option is transaction:false "
                                         "(run this section outside a transaction)",
                                         option, f.line->number));
        ok = false;
      }
    }
  }
  if (!up) {
    problems.add(m.file,
                 "has `-- migrate:down` but no `-- migrate:up` — add a `-- migrate:up` line above the "
                 "migration's SQL");
    return false;
  }

  // A section runs from the line after its marker to the next marker (either kind) or the end.
  auto section_end = [&](const Found& f) {
    for (const auto& other : markers)
      if (other.line->number > f.line->number) return other.line->begin;
    return text.size();
  };
  auto before = text.substr(0, markers.front().line->begin);
  if (has_sql(before)) {
    problems.add(m.file, fmt::format("has SQL above `{}` (line {}), outside any section, which would never run — "
                                     "move it below `-- migrate:up`",
                                     markers.front().marker.up ? "-- migrate:up" : "-- migrate:down",
                                     markers.front().line->number));
    ok = false;
  }
  m.up_sql = text.substr(up->line->next, section_end(*up) - up->line->next);
  m.up_first_line = up->line->number + 1;
  if (down) {
    m.down_sql = down_or_none(text.substr(down->line->next, section_end(*down) - down->line->next));
    m.down_first_line = down->line->number + 1;
  }
  return ok;
}

bool parse_goose(const std::string& text, Migration& m, Problems& problems) {
  GooseSection up, down;
  GooseSection* current = nullptr;  // nullptr: above the first Up/Down annotation
  std::string preamble;
  std::string loose;   // SQL of the current section since the last block
  std::string block;   // SQL between StatementBegin and StatementEnd
  int block_line = 0;  // the line of the open StatementBegin; 0: none open
  bool no_transaction = false;
  bool ok = true;
  auto problem = [&](std::string what) {
    problems.add(m.file, std::move(what));
    ok = false;
  };
  auto flush_loose = [&] {
    if (current)
      for (auto& s : split_statements(loose)) current->statements.push_back(std::move(s.sql));
    loose.clear();
  };

  for (const auto& line : lines_of(text)) {
    std::string_view raw = std::string_view(text).substr(line.begin, line.next - line.begin);
    auto annotation = goose_annotation(line.text);
    if (!annotation) {
      (current ? current->sql : preamble) += raw;
      if (current) (block_line ? block : loose) += raw;
      continue;
    }
    const std::string& a = *annotation;
    // Annotations are not SQL; those inside a section become blank lines, so that line
    // numbers within the section still match the file.
    if (current && a != "up" && a != "down" && !raw.empty() && raw.back() == '\n') current->sql += '\n';
    if (a == "up" || a == "down") {
      if (block_line)
        problem(
            fmt::format("StatementBegin on line {} has no StatementEnd — add `-- +goose StatementEnd` "
                        "after the statement",
                        block_line));
      block_line = 0;
      flush_loose();
      GooseSection& next = a == "up" ? up : down;
      if (next.marker_line) {
        problem(fmt::format("has a second `-- +goose {}` on line {} (the first is on line {}) — keep one",
                            a == "up" ? "Up" : "Down", line.number, next.marker_line));
      }
      next.marker_line = line.number;
      next.first_line = line.number + 1;
      current = &next;
    } else if (a == "no transaction") {
      no_transaction = true;
    } else if (a == "statementbegin") {
      if (!current) {
        problem(fmt::format("StatementBegin on line {} is above `-- +goose Up` — move it into the Up or Down section",
                            line.number));
      } else if (block_line) {
        problem(
            fmt::format("StatementBegin on line {} inside the block opened on line {} — close that one with "
                        "`-- +goose StatementEnd` first",
                        line.number, block_line));
      } else {
        flush_loose();
        block_line = line.number;
        block.clear();
      }
    } else if (a == "statementend") {
      if (!block_line) {
        problem(
            fmt::format("StatementEnd on line {} without a StatementBegin — add `-- +goose StatementBegin` "
                        "before the statement",
                        line.number));
      } else {
        if (auto s = block_statement(block); !s.empty()) current->statements.push_back(std::move(s));
        current->has_blocks = true;
        block_line = 0;
      }
    } else {
      problem(
          fmt::format("the annotation `-- +goose {}` on line {} is not supported — pgkit reads Up, Down, "
                      "StatementBegin, StatementEnd and NO TRANSACTION (ENVSUB is not applied)",
                      a, line.number));
    }
  }
  if (block_line)
    problem(
        fmt::format("StatementBegin on line {} has no StatementEnd — add `-- +goose StatementEnd` after the "
                    "statement",
                    block_line));
  flush_loose();

  if (!up.marker_line) {
    problems.add(m.file, "has no `-- +goose Up` — add a `-- +goose Up` line above the migration's SQL");
    return false;
  }
  if (has_sql(preamble)) {
    problem(
        "has SQL above `-- +goose Up`, outside any section, which would never run — move it below "
        "`-- +goose Up`");
  }
  m.up_sql = std::move(up.sql);
  m.up_first_line = up.first_line;
  if (up.has_blocks) m.up_statements = std::move(up.statements);
  if (down.marker_line) {
    m.down_sql = down_or_none(std::move(down.sql));
    m.down_first_line = down.first_line;
    if (down.has_blocks && m.down_sql) m.down_statements = std::move(down.statements);
  }
  if (no_transaction) m.up_in_transaction = m.down_in_transaction = false;
  return ok;
}

}  // namespace pgkit::migrate::detail
