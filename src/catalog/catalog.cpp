// The catalog value's helpers: look-ups, quoting as the server quotes, and the one order every
// catalog is kept in (described, read from a snapshot, or calculated).
#include <algorithm>
#include <tuple>

#include "catalog/catalog_internal.hpp"
#include "catalog/keywords.hpp"
#include "catalog/snapshot_format.hpp"

namespace pgkit::catalog {

const Column* Table::column(const std::string& name) const {
  auto it = std::find_if(columns.begin(), columns.end(), [&](const Column& c) { return c.name == name; });
  return it == columns.end() ? nullptr : &*it;
}

const Index* Table::primary_key() const {
  auto it =
      std::find_if(indexes.begin(), indexes.end(), [](const Index& i) { return i.kind == Index::Kind::primary_key; });
  return it == indexes.end() ? nullptr : &*it;
}

const Table* Catalog::table(const std::string& schema, const std::string& name) const {
  auto it =
      std::find_if(tables.begin(), tables.end(), [&](const Table& t) { return t.schema == schema && t.name == name; });
  return it == tables.end() ? nullptr : &*it;
}

const Enum* Catalog::enumeration(const std::string& schema, const std::string& name) const {
  auto it =
      std::find_if(enums.begin(), enums.end(), [&](const Enum& e) { return e.schema == schema && e.name == name; });
  return it == enums.end() ? nullptr : &*it;
}

std::string quote_ident(const std::string& name) {
  // quote_identifier() in PostgreSQL's ruleutils.c: bare only when it starts with [a-z_], holds
  // nothing but [a-z0-9_], and is not a keyword other than an unreserved one.
  bool safe = !name.empty() && ((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_');
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) safe = false;
  if (safe) {
    const auto& words = detail::kKeywords;
    auto it = std::lower_bound(words.begin(), words.end(), std::string_view(name),
                               [](const detail::Keyword& k, std::string_view w) { return k.word < w; });
    if (it != words.end() && it->word == name && it->category != 'U') safe = false;
  }
  if (safe) return name;
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string qualified(const std::string& schema, const std::string& name) {
  return quote_ident(schema) + "." + quote_ident(name);
}

std::string qualified(const Opaque& o) {
  if (o.kind == "trigger") {
    // "name on table": the trigger's name, then its table's (in the object's schema).
    auto on = o.name.find(" on ");
    if (on == std::string::npos) return quote_ident(o.name);
    return quote_ident(o.name.substr(0, on)) + " ON " + qualified(o.schema, o.name.substr(on + 4));
  }
  if (o.kind == "function" || o.kind == "procedure") {
    // "f(integer, text)": the name quoted as needed, the argument types as the server wrote them.
    auto paren = o.name.find('(');
    if (paren == std::string::npos) return qualified(o.schema, o.name);
    return qualified(o.schema, o.name.substr(0, paren)) + o.name.substr(paren);
  }
  return qualified(o.schema, o.name);
}

namespace detail {

std::size_t other_kind_rank(const std::string& kind) { return snapshot_format::kind_rank(kind); }

bool is_catalog_enum(const Catalog& catalog, const Type& type) {
  return !type.builtin() && catalog.enumeration(type.schema, type.name) != nullptr;
}

void sort_catalog(Catalog& c) {
  auto by_name = [](const auto& a, const auto& b) { return std::tie(a.schema, a.name) < std::tie(b.schema, b.name); };
  std::sort(c.schemas.begin(), c.schemas.end());
  std::sort(c.extensions.begin(), c.extensions.end(),
            [](const Extension& a, const Extension& b) { return a.name < b.name; });
  std::sort(c.enums.begin(), c.enums.end(), by_name);
  std::sort(c.sequences.begin(), c.sequences.end(), by_name);
  std::sort(c.tables.begin(), c.tables.end(), by_name);
  for (auto& t : c.tables) {
    std::sort(t.indexes.begin(), t.indexes.end(), [](const Index& a, const Index& b) {
      bool pa = a.kind == Index::Kind::primary_key, pb = b.kind == Index::Kind::primary_key;
      return std::tie(pb, a.name) < std::tie(pa, b.name);  // the primary key first
    });
    std::sort(t.foreign_keys.begin(), t.foreign_keys.end(),
              [](const ForeignKey& a, const ForeignKey& b) { return a.name < b.name; });
    std::sort(t.checks.begin(), t.checks.end(), [](const Check& a, const Check& b) { return a.name < b.name; });
  }
  std::sort(c.others.begin(), c.others.end(), [](const Opaque& a, const Opaque& b) {
    auto ra = other_kind_rank(a.kind), rb = other_kind_rank(b.kind);
    return std::tie(ra, a.kind, a.schema, a.name) < std::tie(rb, b.kind, b.schema, b.name);
  });
}

}  // namespace detail
}  // namespace pgkit::catalog
