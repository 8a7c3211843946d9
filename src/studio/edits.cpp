#include "studio/edits.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "http/http.hpp"

namespace pgkit::studio {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxChanges = 1000;

[[noreturn]] void bad(const std::string& message) { throw http::HttpError(400, "invalid_change", message); }

bool is_hex_bytea(std::string_view v) {
  if (!v.starts_with("\\x") || v.size() % 2 != 0) return false;
  return std::all_of(v.begin() + 2, v.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::optional<std::string> text_or_null(const json::value& v, const std::string& what) {
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) bad(what + " must be a text or null");
  return std::string(v.as_string());
}

std::vector<std::pair<const catalog::Column*, std::optional<std::string>>> values_of(const catalog::Table& t,
                                                                                     const json::object& change,
                                                                                     std::size_t n) {
  std::vector<std::pair<const catalog::Column*, std::optional<std::string>>> out;
  const json::value* values = change.if_contains("values");
  if (!values) return out;
  if (!values->is_object()) bad(fmt::format("change {}: values is an object of column: text or null", n));
  for (const auto& [name, v] : values->as_object()) {
    const catalog::Column* c = t.column(std::string(name));
    if (!c) bad(fmt::format("change {}: {} has no column {}", n, t.name, std::string(name)));
    auto value = text_or_null(v, fmt::format("change {}: {}", n, c->name));
    // A bytea value comes whole, from a file the page read: in hex (\x…), nothing else.
    if (c->type.builtin() && c->type.name == "bytea" && (c->type.dimensions > 0 || (value && !is_hex_bytea(*value))))
      bad(fmt::format("change {}: {} is binary: its value is a file's bytes, in hex (\\x…)", n, c->name));
    out.emplace_back(c, std::move(value));
  }
  return out;
}

// key_condition, and `t.xmin = $…::xid` with the version.
std::string row_condition(const std::vector<std::string>& key, const Change& c, Params& params, bool versioned) {
  std::string out = key_condition(key, c.key, params);
  if (versioned) {
    params.add_text(c.version);
    out += fmt::format(" AND t.xmin = ${}::xid", params.size());
  }
  return out;
}

}  // namespace

std::string key_condition(const std::vector<std::string>& key, const std::vector<std::optional<std::string>>& values,
                          Params& params) {
  std::string columns, markers;
  for (std::size_t i = 0; i < key.size(); ++i) {
    columns += (i ? ", " : "") + ("t." + catalog::quote_ident(key[i]));
    markers += fmt::format("{}${}", i ? ", " : "", params.size() + 1);
    values[i] ? params.add_text(*values[i]) : params.add_null();
  }
  return fmt::format("({}) = ({})", columns, markers);
}

std::vector<Change> changes_of(const catalog::Table& t, const std::vector<std::string>& key, const json::value& body) {
  const json::value* list = body.is_object() ? body.as_object().if_contains("changes") : nullptr;
  if (!list || !list->is_array()) bad("the body is {\"changes\": […]}");
  if (list->as_array().size() > kMaxChanges) bad("at most 1000 changes are saved at once");
  std::vector<Change> out;
  std::size_t n = 0;
  for (const auto& item : list->as_array()) {
    ++n;
    if (!item.is_object()) bad(fmt::format("change {} is not an object", n));
    const json::object& o = item.as_object();
    const json::value* op = o.if_contains("op");
    std::string kind = op && op->is_string() ? std::string(op->as_string()) : "";
    Change c;
    if (kind == "update")
      c.kind = Change::Kind::update;
    else if (kind == "insert")
      c.kind = Change::Kind::insert;
    else if (kind == "delete")
      c.kind = Change::Kind::remove;
    else
      bad(fmt::format("change {}: op is update, insert or delete", n));
    if (c.kind != Change::Kind::insert) {
      const json::value* k = o.if_contains("key");
      if (!k || !k->is_array() || k->as_array().size() != key.size())
        bad(fmt::format("change {}: key holds the row's {} key value(s)", n, key.size()));
      for (const auto& v : k->as_array()) c.key.push_back(text_or_null(v, fmt::format("change {}: a key value", n)));
      const json::value* version = o.if_contains("version");
      if (!version || !version->is_string() || version->as_string().empty() ||
          version->as_string().find_first_not_of("0123456789") != json::string::npos)
        bad(fmt::format("change {}: version is the row's version as read (its `version`)", n));
      c.version = std::string(version->as_string());
    }
    c.values = values_of(t, o, n);
    if (c.kind == Change::Kind::update && c.values.empty()) bad(fmt::format("change {}: an update sets values", n));
    out.push_back(std::move(c));
  }
  return out;
}

Statement change_statement(const catalog::Table& t, const std::vector<std::string>& key, const Change& c) {
  Statement st;
  const std::string table = qualified_name(t) + " AS t";
  switch (c.kind) {
    case Change::Kind::update: {
      std::string sets;
      for (const auto& [column, value] : c.values) {
        value ? st.params.add_text(*value) : st.params.add_null();
        sets +=
            fmt::format("{}{} = ${}", sets.empty() ? "" : ", ", catalog::quote_ident(column->name), st.params.size());
      }
      st.sql = fmt::format("UPDATE {} SET {} WHERE {}", table, sets, row_condition(key, c, st.params, true));
      break;
    }
    case Change::Kind::insert: {
      std::string columns, markers;
      for (const auto& [column, value] : c.values) {
        value ? st.params.add_text(*value) : st.params.add_null();
        columns += (columns.empty() ? "" : ", ") + catalog::quote_ident(column->name);
        markers += fmt::format("{}${}", markers.empty() ? "" : ", ", st.params.size());
      }
      st.sql = columns.empty() ? fmt::format("INSERT INTO {} DEFAULT VALUES", qualified_name(t))
                               : fmt::format("INSERT INTO {} ({}) VALUES ({})", qualified_name(t), columns, markers);
      break;
    }
    case Change::Kind::remove:
      st.sql = fmt::format("DELETE FROM {} WHERE {}", table, row_condition(key, c, st.params, true));
      break;
  }
  return st;
}

Statement current_row_statement(const catalog::Table& t, const std::vector<std::string>& key, const Change& c) {
  Statement st;
  std::string where = row_condition(key, c, st.params, false);
  st.sql = fmt::format("SELECT t.xmin{} FROM {} AS t WHERE {}", page_columns(t), qualified_name(t), where);
  return st;
}

}  // namespace pgkit::studio
