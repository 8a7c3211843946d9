// diff_schema: what differs between two snapshots from dump_schema, one line per difference,
// each naming the object (and, in a table, the column or constraint). See schema_text.hpp.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "migrate/schema_text.hpp"
#include "pgkit/migrate.hpp"

namespace pgkit::migrate {
namespace {

using schema_text::kIndent;
using schema_text::leading_identifier;

// A snapshot's objects by (kind's rank, kind, name) → the block's lines: the order they are
// reported in.
using Objects = std::map<std::tuple<std::size_t, std::string, std::string>, std::vector<std::string>>;

// The kind of a header line ("-- table public.users" → "table"), or "" when line is none.
std::string_view header_kind(std::string_view line) {
  if (line.substr(0, 3) != "-- ") return {};
  line.remove_prefix(3);
  for (auto kind : schema_text::kKinds)
    if (line.size() > kind.size() + 1 && line.substr(0, kind.size()) == kind && line[kind.size()] == ' ') return kind;
  return {};
}

// A header starts a block only after a blank line (or at the top), so that a comment inside a
// function's body is not taken for one. Lines before the first header are ignored.
Objects parse(const std::string& text) {
  Objects objects;
  std::vector<std::string>* current = nullptr;
  bool after_blank = true;
  for (auto& line : schema_text::split_lines(text)) {
    auto kind = after_blank ? header_kind(line) : std::string_view{};
    after_blank = line.find_first_not_of(" \t") == std::string::npos;
    if (!kind.empty()) {
      auto name = line.substr(3 + kind.size() + 1);
      current = &objects[{schema_text::kind_rank(kind), std::string(kind), name}];
      continue;
    }
    if (current) current->push_back(after_blank ? std::string() : std::move(line));
  }
  for (auto& [key, lines] : objects)
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return objects;
}

std::string trimmed(std::string_view s) {
  auto first = s.find_first_not_of(' ');
  return first == std::string_view::npos ? std::string() : std::string(s.substr(first));
}

// "(expected: …; actual: …)" for the first line where two line lists part.
std::string first_difference(const std::vector<std::string>& expected, const std::vector<std::string>& actual) {
  std::size_t i = 0;
  while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
  return fmt::format("(expected: {}; actual: {})", i < expected.size() ? trimmed(expected[i]) : "nothing more",
                     i < actual.size() ? trimmed(actual[i]) : "nothing more");
}

// A table block cut into what differences are attributed to.
struct TableParts {
  std::vector<std::pair<std::string, std::string>> columns;  // name → "name type …", in order
  std::map<std::string, std::string> constraints;            // name → "name PRIMARY KEY (id)"
  std::vector<std::string> other;                             // CREATE line, closing line, ATTACH …
};

TableParts split_table(const std::vector<std::string>& lines) {
  TableParts parts;
  bool in_columns = false;
  for (const auto& line : lines) {
    if (in_columns && line.starts_with(kIndent)) {
      std::string text = line.substr(kIndent.size());
      if (!text.empty() && text.back() == ',') text.pop_back();
      parts.columns.emplace_back(leading_identifier(text), text);
    } else if (in_columns && !line.starts_with(")") && !parts.columns.empty()) {
      parts.columns.back().second += "\n" + line;  // a default with a newline in a literal
    } else if (auto at = line.find(schema_text::kAddConstraint); !in_columns && at != std::string::npos) {
      std::string text = line.substr(at + schema_text::kAddConstraint.size());
      if (!text.empty() && text.back() == ';') text.pop_back();
      parts.constraints[std::string(leading_identifier(text))] = text;
    } else {
      if (line.starts_with("CREATE ") && line.ends_with("(")) in_columns = true;
      else if (line.starts_with(")")) in_columns = false;
      parts.other.push_back(line);
    }
  }
  return parts;
}

// An identifier as messages show it: always double-quoted.
std::string display_name(std::string_view identifier) {
  return identifier.starts_with('"') ? std::string(identifier) : fmt::format("\"{}\"", identifier);
}

void diff_table(const std::string& label, const std::vector<std::string>& expected_lines,
                const std::vector<std::string>& actual_lines, std::vector<std::string>& out) {
  auto expected = split_table(expected_lines), actual = split_table(actual_lines);
  auto before = out.size();
  if (expected.other != actual.other)
    out.push_back(fmt::format("{}: differs {}", label, first_difference(expected.other, actual.other)));

  std::map<std::string, std::string> actual_columns(actual.columns.begin(), actual.columns.end());
  std::set<std::string> expected_names;
  std::vector<std::string> common_in_expected, common_in_actual;
  for (const auto& [name, text] : expected.columns) {
    expected_names.insert(name);
    auto it = actual_columns.find(name);
    if (it == actual_columns.end()) {
      out.push_back(fmt::format("{}: column {} missing from the database", label, display_name(name)));
      continue;
    }
    common_in_expected.push_back(name);
    if (it->second != text)
      out.push_back(fmt::format("{}: column {} differs (expected: {}; actual: {})", label, display_name(name), text,
                                it->second));
  }
  for (const auto& [name, text] : actual.columns) {
    if (expected_names.count(name)) common_in_actual.push_back(name);
    else out.push_back(fmt::format("{}: column {} only in the database", label, display_name(name)));
  }
  if (common_in_expected != common_in_actual)
    out.push_back(fmt::format("{}: column order differs (expected: {}; actual: {})", label,
                              fmt::join(common_in_expected, ", "), fmt::join(common_in_actual, ", ")));

  for (const auto& [name, text] : expected.constraints) {
    auto it = actual.constraints.find(name);
    if (it == actual.constraints.end())
      out.push_back(fmt::format("{}: constraint {} missing from the database", label, display_name(name)));
    else if (it->second != text)
      out.push_back(fmt::format("{}: constraint {} differs (expected: {}; actual: {})", label, display_name(name), text,
                                it->second));
  }
  for (const auto& [name, text] : actual.constraints)
    if (!expected.constraints.count(name))
      out.push_back(fmt::format("{}: constraint {} only in the database", label, display_name(name)));

  // Nothing attributable (lines merely moved, in a hand-edited file): still a difference.
  if (out.size() == before)
    out.push_back(fmt::format("{}: differs {}", label, first_difference(expected_lines, actual_lines)));
}

}  // namespace

std::vector<std::string> diff_schema(const std::string& expected, const std::string& actual) {
  auto want = parse(expected), have = parse(actual);
  std::vector<std::string> out;
  auto w = want.begin(), h = have.begin();
  while (w != want.end() || h != have.end()) {
    if (h == have.end() || (w != want.end() && w->first < h->first)) {
      out.push_back(fmt::format("{} {}: missing from the database", std::get<1>(w->first), std::get<2>(w->first)));
      ++w;
    } else if (w == want.end() || h->first < w->first) {
      out.push_back(fmt::format("{} {}: only in the database", std::get<1>(h->first), std::get<2>(h->first)));
      ++h;
    } else {
      if (w->second != h->second) {
        auto label = fmt::format("{} {}", std::get<1>(w->first), std::get<2>(w->first));
        if (std::get<1>(w->first) == "table" || std::get<1>(w->first) == "type")
          diff_table(label, w->second, h->second, out);
        else
          out.push_back(fmt::format("{}: differs {}", label, first_difference(w->second, h->second)));
      }
      ++w, ++h;
    }
  }
  return out;
}

}  // namespace pgkit::migrate
